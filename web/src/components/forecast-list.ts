// The list page: every configured location with today's forecast. While some location has no
// forecast stored yet (the first download is still running) the list checks again by itself.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { getForecastList } from '../api/forecast-api.ts';
import type { ForecastListResponse } from '../api/types.ts';
import { formatRelative } from '../format/time.ts';
import { forecastCard, pendingCard } from '../views/forecast-card.ts';
import { attributionView, errorView, loadingView, sampleBanner } from '../views/status.ts';
import { RemoteData } from './remote-data.ts';

/** How often to look again while forecasts are pending. */
const pendingRecheckMs = 5_000;
/** How often "issued … ago" is brought up to date. */
const clockTickMs = 60_000;

export class ForecastList extends LitElement {
  static override properties = { version: { type: Number } };

  /** Bumped by the app when the data changed (an admin reload finished): load again. */
  declare version: number;
  readonly data = new RemoteData<ForecastListResponse>(this, (signal) => getForecastList(signal));
  #recheck: ReturnType<typeof setTimeout> | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.version = 0;
  }

  // Light DOM: the site's one stylesheet applies, and tests and tools see plain markup.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#clock = setInterval(() => this.requestUpdate(), clockTickMs);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#clock);
    clearTimeout(this.#recheck);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The first render loads; a later version bump reloads, keeping the cards on screen.
    if (changed.has('version')) void this.data.load({ keepValue: changed.get('version') !== undefined });
  }

  protected override updated(): void {
    clearTimeout(this.#recheck);
    const state = this.data.state;
    if (state.status === 'ready' && !state.refreshing && state.value.pending.length > 0) {
      this.#recheck = setTimeout(() => void this.data.load({ keepValue: true }), pendingRecheckMs);
    }
  }

  protected override render(): TemplateResult {
    const state = this.data.state;
    // One outer template for every state, so the heading stays the same element (and keeps
    // focus) when the data arrives.
    return html`${state.status === 'ready' && state.value.sample ? sampleBanner() : nothing}
      <div class="page-head">
        <h1 tabindex="-1">Today's forecast</h1>
        ${state.status === 'ready' ? this.#summaryLine(state.value) : nothing}
      </div>
      ${this.#body()}`;
  }

  #body(): TemplateResult {
    const state = this.data.state;
    switch (state.status) {
      case 'loading':
        return loadingView('the forecasts', state.slow, 5);
      case 'failed':
        return errorView('The forecasts could not be loaded', state.error, () => void this.data.load());
      case 'ready':
        return this.#list(state.value);
    }
  }

  #summaryLine(list: ForecastListResponse): TemplateResult {
    const count = list.items.length + list.pending.length;
    return html`<p class="lede">
      ${count === 1 ? '1 location' : `${count} locations`} · checked
      <time datetime=${list.generatedAt}>${formatRelative(list.generatedAt, new Date())}</time>
    </p>`;
  }

  #list(list: ForecastListResponse): TemplateResult {
    if (list.items.length === 0 && list.pending.length === 0) {
      return html`<section class="notice" role="status"><h2>No locations configured</h2>
        <p>The app has no locations to forecast. They are set in the app definition or with FORECAST_LOCATIONS.</p></section>`;
    }
    const now = new Date();
    return html`
      ${list.items.length === 0
        ? html`<section class="notice notice-pending" role="status" data-testid="empty-state">
            <h2>No forecasts yet</h2>
            <p>Nothing has been downloaded for these locations so far. The first download runs when the app starts and
              usually takes a few seconds; this page checks again by itself.</p>
          </section>`
        : nothing}
      <ul class="card-grid" aria-label="Locations">
        ${list.items.map((item) => forecastCard(item, now, list.staleAfterSeconds))} ${list.pending.map((location) => pendingCard(location))}
      </ul>
      ${attributionView(list.items)}
    `;
  }
}

customElements.define('forecast-list', ForecastList);
