// Small glyphs beside values: a raindrop for precipitation, an arrow for the wind (pointing the
// way the wind blows, so a north wind points down), a clock for issue times. Decorative only:
// the text beside each says the same.
import { html, svg, type TemplateResult } from 'lit';

function glyph(className: string, body: unknown, size = 16): TemplateResult {
  return html`<svg class="glyph ${className}" viewBox="0 0 16 16" width=${size} height=${size} aria-hidden="true" focusable="false">${body}</svg>`;
}

export function dropGlyph(): TemplateResult {
  return glyph('glyph-drop', svg`<path d="M8 1.5C6 4.6 3.5 7.4 3.5 10a4.5 4.5 0 0 0 9 0C12.5 7.4 10 4.6 8 1.5Z" fill="currentColor" />`);
}

/** An arrow turned to blow away from `fromDegrees`; a small circle for calm or unknown. */
export function windGlyph(fromDegrees: number | null): TemplateResult {
  if (fromDegrees === null) return glyph('glyph-wind', svg`<circle cx="8" cy="8" r="3.2" fill="none" stroke="currentColor" stroke-width="1.8" />`);
  return glyph(
    'glyph-wind',
    svg`<g transform="rotate(${fromDegrees + 180} 8 8)"><path d="M8 1.8 12.6 13 8 10.6 3.4 13Z" fill="currentColor" /></g>`,
  );
}

export function clockGlyph(): TemplateResult {
  return glyph('glyph-clock', svg`<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.6" /><path d="M8 4.5V8l2.4 1.6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />`);
}

export function infoGlyph(): TemplateResult {
  return glyph('glyph-info', svg`<circle cx="8" cy="8" r="7" fill="currentColor" /><path d="M8 7.2v4.3M8 4.6v.1" stroke="#fff" stroke-width="1.8" stroke-linecap="round" />`, 18);
}

export function gaugeGlyph(): TemplateResult {
  return glyph('glyph-gauge', svg`<path d="M8 2.5a5.5 5.5 0 0 0-4.8 8.2h9.6A5.5 5.5 0 0 0 8 2.5Z" fill="none" stroke="currentColor" stroke-width="1.6" /><path d="M8 9.2 10.6 5.8" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />`);
}
