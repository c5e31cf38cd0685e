// The location page: seven days for one location, with the period detail AEMET gives for the
// first four, and when the forecast was issued and fetched.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ApiError } from '../api/client.ts';
import { getForecast } from '../api/forecast-api.ts';
import type { ForecastResponse } from '../api/types.ts';
import { formatDateTime, formatRelative, localCalendarDate } from '../format/time.ts';
import { clockGlyph } from '../icons/ui-icons.ts';
import { dayCard } from '../views/day-card.ts';
import { attributionView, errorView, loadingView, sampleBanner, staleBadge } from '../views/status.ts';
import { RemoteData, type RemoteState } from './remote-data.ts';

export class LocationForecast extends LitElement {
  static override properties = { locationId: { attribute: 'location-id' }, version: { type: Number } };

  declare locationId: string;
  declare version: number;
  readonly data = new RemoteData<ForecastResponse>(this, (signal) => getForecast(this.locationId, signal));

  constructor() {
    super();
    this.locationId = '';
    this.version = 0;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locationId')) void this.data.load();
    else if (changed.has('version')) void this.data.load({ keepValue: true });
  }

  protected override updated(): void {
    const value = this.data.value;
    if (value) this.dispatchEvent(new CustomEvent('page-title', { bubbles: true, detail: `${value.location.name} · 7-day forecast` }));
  }

  protected override render(): TemplateResult {
    const state = this.data.state;
    const forecast = this.data.value;
    const now = new Date();
    // One outer template for every state, so the heading stays the same element (and keeps
    // focus) when the data arrives.
    return html`${forecast?.sample ? sampleBanner() : nothing}
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/">← All locations</a></nav>
      <header class="location-head">
        <div class="location-title">
          <h1 tabindex="-1" class=${forecast ? '' : 'visually-hidden'}>${forecast?.location.name ?? 'Forecast'}</h1>
          ${forecast ? html`<p class="location-province">${forecast.location.province}</p>` : nothing}
          ${forecast?.stale ? staleBadge(forecast.staleAfterSeconds) : nothing}
        </div>
        ${forecast ? this.#issued(forecast, now) : nothing}
      </header>
      ${this.#body(state, now)}`;
  }

  #body(state: RemoteState<ForecastResponse>, now: Date): TemplateResult {
    switch (state.status) {
      case 'loading':
        return loadingView('the forecast', state.slow, 3);
      case 'failed': {
        const notStored = state.error instanceof ApiError && state.error.status === 404;
        return errorView(
          notStored ? 'No forecast for this location' : 'The forecast could not be loaded',
          state.error,
          () => void this.data.load(),
          html`<a class="button button-quiet" href="/">See all locations</a>`,
        );
      }
      case 'ready': {
        // The location's own today: a visitor abroad still sees Madrid's Monday as today.
        const today = localCalendarDate(now, state.value.timezone);
        return html`<ol class="days" aria-label="Seven-day forecast">
            ${state.value.days.map((day) => dayCard(day, today))}
          </ol>
          ${attributionView([state.value])}`;
      }
    }
  }

  #issued(forecast: ForecastResponse, now: Date): TemplateResult {
    return html`<dl class="issued">
      <div>
        <dt>${clockGlyph()} Issued:</dt>
        <dd><time datetime=${forecast.issuedAt}>${formatDateTime(forecast.issuedAt)}</time> (${formatRelative(forecast.issuedAt, now)})</dd>
      </div>
      <div>
        <dt>Fetched:</dt>
        <dd><time datetime=${forecast.fetchedAt}>${formatDateTime(forecast.fetchedAt)}</time></dd>
      </div>
    </dl>`;
  }
}

customElements.define('location-forecast', LocationForecast);
