// The site's entry: its stylesheets and the <forecast-app> element, which does the rest.
import './styles/base.css';
import './styles/states.css';
import './styles/forecast-list.css';
import './styles/location.css';
import './components/forecast-app.ts';
