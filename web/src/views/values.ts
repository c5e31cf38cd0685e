// Forecast values as markup: each shows its unit, a glyph where it helps, and a spoken form
// where the visible text is an abbreviation.
import { html, nothing, type TemplateResult } from 'lit';
import type { Day, Period } from '../api/types.ts';
import { describeWind, formatPercent, formatTemperature, formatWind, windDirection } from '../format/units.ts';
import { dropGlyph, windGlyph } from '../icons/ui-icons.ts';

export function temperatures(temperature: Day['temperature'], size: 'large' | 'medium' = 'large'): TemplateResult {
  return html`<p class="temps temps-${size}">
    <span class="temp-max"><span class="visually-hidden">High </span>${formatTemperature(temperature.max)}</span>
    <span class="temp-min"><span class="visually-hidden">, low </span>${formatTemperature(temperature.min)}</span>
  </p>`;
}

export function precipitation(probability: number | null): TemplateResult {
  return html`<span class="value value-rain">${dropGlyph()}<span><span class="visually-hidden">Chance of precipitation </span>${formatPercent(probability)}</span></span>`;
}

export function wind(value: Period['wind'], gustKmh: number | null = null): TemplateResult {
  const direction = value === null ? null : windDirection(value.direction);
  const degrees = direction?.kind === 'from' ? direction.from.degrees : null;
  return html`<span class="value value-wind">${windGlyph(degrees)}<span
      ><span aria-hidden="true">${formatWind(value)}</span><span class="visually-hidden">Wind ${describeWind(value)}</span>${gustKmh === null
        ? nothing
        : html`<span class="gust">, gusts ${formatWind({ direction: null, speedKmh: gustKmh })}</span>`}</span
    ></span>`;
}
