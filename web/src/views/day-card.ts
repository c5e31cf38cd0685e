// One day on a location page: the whole-day summary, then (days 1–4) the forecast by period.
// Periods already over come back from the API with no values; they are shown as past.
import { html, nothing, type TemplateResult } from 'lit';
import type { Day, Period } from '../api/types.ts';
import { groupPeriods, isPastPeriod } from '../forecast/periods.ts';
import { formatDay, formatHours, relativeDayName } from '../format/time.ts';
import { formatPercent } from '../format/units.ts';
import { skyIcon } from '../icons/sky-svg.ts';
import { gaugeGlyph } from '../icons/ui-icons.ts';
import { precipitation, temperatures, wind } from './values.ts';

export function dayCard(day: Day, today: string): TemplateResult {
  const names = formatDay(day.date);
  const relative = relativeDayName(day.date, today);
  const sky = day.summary.sky;
  const periodGroups = groupPeriods(day);
  return html`<li class="card day-card" data-date=${day.date}>
    <h2 class="day-title">
      <span class="day-weekday">${names.weekday}</span>
      <span class="day-date">${names.date}</span>
      ${relative ? html`<span class="tag">${relative}</span>` : nothing}
    </h2>
    <div class="day-summary">
      <div class="day-sky">
        ${skyIcon(sky, { size: 60 })}
        <p class="sky-text" lang="es">${sky?.description ?? 'Cielo sin datos'}</p>
      </div>
      ${temperatures(day.temperature, 'medium')}
      <ul class="day-values" aria-label="Whole day">
        <li>${precipitation(day.summary.precipitationProbability)}</li>
        <li>${wind(day.summary.wind, day.summary.gustKmh)}</li>
        <li class="value"><span class="value-label">Humidity</span> ${rangeOfPercent(day.humidity)}</li>
        ${day.uvMax === null ? nothing : html`<li class="value">${gaugeGlyph()}<span class="value-label">UV</span> ${day.uvMax}</li>`}
      </ul>
    </div>
    ${periodGroups.length === 0
      ? nothing
      : html`<div class="day-periods">
          ${periodGroups.map(
            (group) => html`<div class="periods" style="--periods: ${group.periods.length}">
              <h3 class="periods-title">By ${group.hours} hours</h3>
              <ol class="period-strip period-strip-${group.periods.length}">
                ${group.periods.map((period) => periodCell(period))}
              </ol>
            </div>`,
          )}
        </div>`}
  </li>`;
}

function periodCell(period: Period): TemplateResult {
  const hours = html`<span class="period-hours"><span class="visually-hidden">From </span>${formatHours(period.from, period.to)}<span class="visually-hidden"> h</span></span>`;
  if (isPastPeriod(period)) {
    return html`<li class="period period-past">${hours}<span class="period-past-label">Past</span><span class="period-missing" aria-hidden="true">—</span></li>`;
  }
  const label = period.sky?.description;
  return html`<li class="period">
    ${hours}
    ${label ? html`<span lang="es">${skyIcon(period.sky, { size: 44, label })}</span>` : skyIcon(null, { size: 44, label: 'Sky not given' })}
    ${precipitation(period.precipitationProbability)}
    ${wind(period.wind)}
  </li>`;
}

function rangeOfPercent(range: Day['humidity']): string {
  if (range.min === null && range.max === null) return '—';
  if (range.min === null || range.max === null || range.min === range.max) return formatPercent(range.max ?? range.min);
  return `${formatPercent(range.min)}–${formatPercent(range.max)}`;
}
