// The states every view shares: loading (with a word when the API is slow), failed (what went
// wrong and a retry button), and the badges and banners about the data itself.
import { html, nothing, type TemplateResult } from 'lit';
import { ApiError } from '../api/client.ts';
import { formatDuration } from '../format/time.ts';
import { infoGlyph } from '../icons/ui-icons.ts';

export function loadingView(what: string, slow: boolean, placeholders: number): TemplateResult {
  return html`<div class="loading" aria-busy="true">
    <p class="loading-text" role="status">
      <span class="spinner" aria-hidden="true"></span>
      ${slow ? `Still loading ${what}: the server is taking longer than usual…` : `Loading ${what}…`}
    </p>
    <div class="skeletons" aria-hidden="true">${Array.from({ length: placeholders }, () => html`<div class="skeleton card"></div>`)}</div>
  </div>`;
}

export function errorView(title: string, error: Error, onRetry: () => void, extra: TemplateResult | typeof nothing = nothing): TemplateResult {
  const message = error instanceof ApiError ? error.message : `Something went wrong in the page: ${error.message}`;
  return html`<section class="notice notice-error" role="alert" aria-labelledby="error-title">
    <h2 id="error-title">${title}</h2>
    <p>${message}</p>
    <div class="notice-actions">
      <button type="button" class="button" @click=${onRetry}>Try again</button>
      ${extra}
    </div>
  </section>`;
}

export function sampleBanner(): TemplateResult {
  return html`<aside class="banner banner-sample" aria-label="Sample data" data-testid="sample-banner">
    ${infoGlyph()}
    <p><strong>Sample data.</strong> These forecasts come from sample documents bundled with the app, not from a live
      download.</p>
  </aside>`;
}

export function staleBadge(staleAfterSeconds: number | null): TemplateResult {
  const explanation = staleAfterSeconds === null ? 'This forecast is older than expected.' : `Issued more than ${formatDuration(staleAfterSeconds)} ago: a newer forecast should exist.`;
  return html`<span class="badge badge-stale" data-testid="stale-badge" title=${explanation}>Stale<span class="visually-hidden"> — ${explanation}</span></span>`;
}

const providerNames: Readonly<Record<string, { name: string; lang: string }>> = {
  aemet: { name: 'AEMET, Agencia Estatal de Meteorología', lang: 'es' },
  'open-meteo': { name: 'Open-Meteo', lang: 'en' },
};

/** The providers' own attribution texts, once each: AEMET asks to be cited as the source. */
export function attributionView(sources: readonly { provider: string; attribution: string }[]): TemplateResult | typeof nothing {
  const unique = new Map(sources.filter((s) => s.attribution.trim() !== '').map((s) => [`${s.provider}\n${s.attribution}`, s]));
  if (unique.size === 0) return nothing;
  return html`<section class="attribution" aria-labelledby="attribution-title" data-testid="attribution">
    <h2 id="attribution-title" class="attribution-title">Source</h2>
    ${[...unique.values()].map(({ provider, attribution }) => {
      const known = providerNames[provider];
      return html`<p>${known ? html`<strong>${known.name}.</strong> ` : nothing}<span lang=${known?.lang ?? nothing}>${attribution}</span></p>`;
    })}
  </section>`;
}
