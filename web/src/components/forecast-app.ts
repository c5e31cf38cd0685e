// The page frame: header with the admin controls, the current page, the footer. It owns the
// route (the address bar), the auth config and the token store, and tells pages to reload
// their data when an admin reload has finished.
import { html, LitElement, type TemplateResult } from 'lit';
import { captureFragmentToken, loadAuthConfig, tabStorage, TokenStore, type AuthConfig } from '../auth/session.ts';
import { skyIcon } from '../icons/sky-svg.ts';
import { interceptLinks, pathFor, routeFor, type Route } from '../router.ts';
import './admin-controls.ts';
import './forecast-list.ts';
import './location-forecast.ts';

const siteName = 'knative-forecast';

export class ForecastApp extends LitElement {
  static override properties = {
    route: { state: true },
    auth: { state: true },
    dataVersion: { state: true },
  };

  declare route: Route;
  declare auth: AuthConfig | null;
  declare dataVersion: number;
  readonly tokens = new TokenStore(tabStorage());
  #navigated = false;
  #stopLinks: (() => void) | undefined;
  readonly #onPopState = () => this.#go(window.location.pathname, false);

  constructor() {
    super();
    // Before anything reads the address: a token handed back by the dev sign-in is in the fragment.
    captureFragmentToken(window.location, window.history, this.tokens);
    this.route = routeFor(window.location.pathname);
    this.auth = null;
    this.dataVersion = 0;
    this.addEventListener('forecasts-changed', () => this.dataVersion++);
    this.addEventListener('page-title', (event) => (document.title = `${(event as CustomEvent<string>).detail} · ${siteName}`));
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.#onPopState);
    this.#stopLinks = interceptLinks(this, (path) => this.#go(path, true));
    void loadAuthConfig().then((auth) => (this.auth = auth));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.#onPopState);
    this.#stopLinks?.();
  }

  #go(path: string, push: boolean): void {
    if (push && path !== window.location.pathname) window.history.pushState(null, '', path);
    this.route = routeFor(path);
    this.#navigated = true;
    if (push) window.scrollTo({ top: 0 });
  }

  protected override updated(): void {
    if (this.route.page === 'list') document.title = `Today's forecast · ${siteName}`;
    if (this.route.page === 'not-found') document.title = `Page not found · ${siteName}`;
    if (this.#navigated) {
      // After moving to another page, put keyboard and screen-reader focus on its heading.
      this.#navigated = false;
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('main h1')?.focus());
    }
  }

  protected override render(): TemplateResult {
    return html`<header class="site-header">
        <div class="site-header-inner">
          <a class="brand" href="/">
            ${skyIcon({ code: '13', night: false }, { size: 36 })}
            <span class="brand-text"><span class="brand-name">${siteName}</span><span class="brand-tagline">Seven-day forecasts</span></span>
          </a>
          <admin-controls .auth=${this.auth} .tokens=${this.tokens} .returnPath=${pathFor(this.route)}></admin-controls>
        </div>
      </header>
      <main id="main" class="site-main" tabindex="-1">${this.#page()}</main>
      <footer class="site-footer">
        <p>${siteName} — a serverless reference app. The data is also at <a href="/api/forecasts">/api/forecasts</a>.</p>
      </footer>`;
  }

  #page(): TemplateResult {
    switch (this.route.page) {
      case 'list':
        return html`<forecast-list .version=${this.dataVersion}></forecast-list>`;
      case 'location':
        return html`<location-forecast .locationId=${this.route.id} .version=${this.dataVersion}></location-forecast>`;
      case 'not-found':
        return html`<section class="notice" role="alert">
          <h1 tabindex="-1">Page not found</h1>
          <p>There is no page at <code>${this.route.path}</code>.</p>
          <p><a class="button" href="/">See all locations</a></p>
        </section>`;
    }
  }
}

customElements.define('forecast-app', ForecastApp);
