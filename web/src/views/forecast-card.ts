// One location on the list page: today's sky, temperatures, rain and wind, and how old the
// forecast is. The location name is the link; the whole card is its click target.
import { html, nothing, type TemplateResult } from 'lit';
import type { ForecastListItem, PendingLocation } from '../api/types.ts';
import { formatDateTime, formatRelative } from '../format/time.ts';
import { skyIcon } from '../icons/sky-svg.ts';
import { pathFor } from '../router.ts';
import { staleBadge } from './status.ts';
import { precipitation, temperatures, wind } from './values.ts';

export function forecastCard(item: ForecastListItem, now: Date, staleAfterSeconds: number): TemplateResult {
  const today = item.today;
  const summary = today?.summary ?? null;
  return html`<li class="card forecast-card" data-location=${item.location.id}>
    <header class="card-head">
      <div>
        <h2 class="card-title"><a class="card-link" href=${pathFor({ page: 'location', id: item.location.id })}>${item.location.name}</a></h2>
        <p class="card-subtitle">${item.location.province}</p>
      </div>
      ${item.stale ? staleBadge(staleAfterSeconds) : nothing}
    </header>
    ${today === null
      ? html`<p class="card-empty">No forecast for today in the stored document.</p>`
      : html`<div class="card-body">
            ${skyIcon(summary?.sky ?? null, { size: 72 })}
            ${temperatures(today.temperature)}
          </div>
          <p class="sky-text" lang="es">${summary?.sky?.description ?? 'Cielo sin datos'}</p>
          <p class="card-values">${precipitation(summary?.precipitationProbability ?? null)} ${wind(summary?.wind ?? null)}</p>`}
    <p class="card-foot">
      Issued <time datetime=${item.issuedAt} title=${formatDateTime(item.issuedAt)}>${formatRelative(item.issuedAt, now)}</time>
    </p>
  </li>`;
}

export function pendingCard(location: PendingLocation): TemplateResult {
  return html`<li class="card forecast-card pending-card" data-location=${location.id}>
    <header class="card-head">
      <div>
        <h2 class="card-title">${location.name}</h2>
        <p class="card-subtitle">${location.province}</p>
      </div>
      <span class="badge badge-pending">Waiting</span>
    </header>
    <p class="card-empty">No forecast stored yet: the first download has not finished.</p>
  </li>`;
}
