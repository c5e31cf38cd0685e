// The site's entry: its stylesheet and the <forecast-app> element, which does the rest.
import './styles/site.css';
import './components/forecast-app.ts';
