// Draws the sky pictures chosen by sky-icon.ts as inline SVG (64×64 view box): a sun or moon,
// one or two clouds, and rain, snow, lightning, fog or dust below them. No external files.
import { html, nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import type { Sky } from '../api/types.ts';
import { skyIconFor, type SkyIcon } from './sky-icon.ts';

const colours = {
  sun: '#f2a900',
  moon: '#c4cde0',
  moonEdge: '#5f6f8f',
  star: '#8797b8',
  cloud: { light: ['#eef2f6', '#7f8ea1'], mid: ['#cfd7e1', '#6e7d90'], dark: ['#9aa6b5', '#4f5c6c'] },
  rain: '#2b72e0',
  snow: '#3a8fd0',
  bolt: ['#f5c000', '#a66f00'],
  fog: '#8593a5',
  dust: '#b68a45',
} as const;

type Tone = keyof typeof colours.cloud;

function sun(x: number, y: number, r: number): SVGTemplateResult {
  const rays = Array.from({ length: 8 }, (_, i) => {
    const angle = (i * Math.PI) / 4;
    const [inner, outer] = [r + r * 0.35, r + r * 0.75];
    return svg`<line x1=${x + inner * Math.cos(angle)} y1=${y + inner * Math.sin(angle)} x2=${x + outer * Math.cos(angle)} y2=${y + outer * Math.sin(angle)} />`;
  });
  return svg`<g class="sun"><g stroke=${colours.sun} stroke-width=${Math.max(2, r * 0.3)} stroke-linecap="round">${rays}</g><circle cx=${x} cy=${y} r=${r} fill=${colours.sun} /></g>`;
}

// A crescent for a unit circle: the outer arc, then the edge of the circle that cuts it.
const crescent = 'M-0.037 -0.999A1 1 0 1 0 0.953 0.304A0.82 0.82 0 0 1 -0.037 -0.999Z';

function moon(x: number, y: number, r: number, stars: boolean): SVGTemplateResult {
  const radius = r * 1.25;
  return svg`<g class="moon">
    <path d=${crescent} transform="translate(${x} ${y}) scale(${radius})" fill=${colours.moon} stroke=${colours.moonEdge} stroke-width="1.5" vector-effect="non-scaling-stroke" />
    ${stars ? svg`<g fill=${colours.star}><circle cx=${x + radius * 1.1} cy=${y - radius * 0.9} r="1.6" /><circle cx=${x + radius * 1.5} cy=${y + radius * 0.1} r="1.1" /></g>` : nothing}
  </g>`;
}

function light(icon: SkyIcon, x: number, y: number, r: number, stars = false): SVGTemplateResult | typeof nothing {
  if (icon.light === 'sun') return sun(x, y, r);
  if (icon.light === 'moon') return moon(x, y, r, stars);
  return nothing;
}

// One cloud in local units (about 42×28, centred on the origin); drawn twice, outline then fill,
// so the outline follows the outside of the union of its parts.
function cloudParts(): SVGTemplateResult {
  return svg`<circle cx="-12" cy="4" r="9" /><circle cx="0" cy="-3" r="12" /><circle cx="11" cy="4" r="9" /><rect x="-12" y="4" width="23" height="9" />`;
}

function cloud(x: number, y: number, scale: number, tone: Tone, dashed = false): SVGTemplateResult {
  const [fill, edge] = colours.cloud[tone];
  return svg`<g class="cloud" transform="translate(${x} ${y}) scale(${scale})">
    <g fill=${edge} stroke=${edge} stroke-width="3" stroke-dasharray=${dashed ? '4 3' : 'none'}>${cloudParts()}</g>
    <g fill=${fill}>${cloudParts()}</g>
  </g>`;
}

function drops(xs: readonly number[]): SVGTemplateResult {
  return svg`<g class="rain" stroke=${colours.rain} stroke-width="3" stroke-linecap="round">${xs.map((x) => svg`<line x1=${x + 2} y1="47" x2=${x - 2} y2="56" />`)}</g>`;
}

function flakes(points: readonly (readonly [number, number])[]): SVGTemplateResult {
  const arm = 4;
  return svg`<g class="snow" stroke=${colours.snow} stroke-width="2.2" stroke-linecap="round">${points.map(
    ([x, y]) => svg`<line x1=${x - arm} y1=${y} x2=${x + arm} y2=${y} /><line x1=${x - arm / 2} y1=${y - arm * 0.87} x2=${x + arm / 2} y2=${y + arm * 0.87} /><line x1=${x - arm / 2} y1=${y + arm * 0.87} x2=${x + arm / 2} y2=${y - arm * 0.87} />`,
  )}</g>`;
}

function bolt(): SVGTemplateResult {
  const [fill, edge] = colours.bolt;
  return svg`<path class="bolt" d="M35 43 L25 55 H31 L27 63 L40 50 H33.5 L38 43 Z" fill=${fill} stroke=${edge} stroke-width="1.5" stroke-linejoin="round" />`;
}

function lines(rows: readonly (readonly [number, number, number])[], colour: string, dashed = false): SVGTemplateResult {
  return svg`<g stroke=${colour} stroke-width="3.5" stroke-linecap="round" stroke-dasharray=${dashed ? '0.5 6' : 'none'}>${rows.map(
    ([x1, x2, y]) => svg`<line x1=${x1} y1=${y} x2=${x2} y2=${y} />`,
  )}</g>`;
}

function precipitation(icon: SkyIcon): SVGTemplateResult | typeof nothing {
  switch (icon.weather) {
    case 'rain':
      return drops([22, 32, 42]);
    case 'light-rain':
      return drops([27, 38]);
    case 'snow':
      return flakes([[21, 52], [32, 57], [43, 52]]);
    case 'light-snow':
      return flakes([[26, 54], [39, 54]]);
    case 'storm':
      return bolt();
    case 'storm-light-rain':
      return svg`${bolt()}${drops([20, 46])}`;
    default:
      return nothing;
  }
}

function picture(icon: SkyIcon): SVGTemplateResult {
  if (icon.key === 'unknown') return cloud(32, 34, 1.1, 'mid', true);
  if (icon.weather === 'fog') return lines([[12, 44, 20], [18, 52, 29], [12, 48, 38], [20, 52, 47]], colours.fog);
  if (icon.weather === 'mist') return lines([[14, 36, 24], [42, 50, 24], [20, 46, 33], [14, 28, 42], [34, 50, 42]], colours.fog);
  if (icon.weather === 'haze') return svg`${light(icon, 32, 24, 9)}${lines([[12, 52, 42], [16, 48, 50], [12, 52, 58]], colours.dust, true)}`;

  const wet = icon.weather !== 'none';
  const lift = wet ? -7 : 0;
  const storm = icon.weather.startsWith('storm');
  const front: Tone = storm || icon.cover === 'overcast' ? (storm ? 'dark' : 'mid') : 'light';
  let sky: SVGTemplateResult;
  switch (icon.cover) {
    case 'clear':
      sky = svg`${light(icon, 32, 32, 12, true)}`;
      break;
    case 'few':
      sky = svg`${light(icon, 27, 27, 11)}${cloud(44, 45, 0.6, 'light')}`;
      break;
    case 'partly':
      sky = svg`${light(icon, 23, wet ? 18 : 22, wet ? 7.5 : 8.5)}${cloud(35, 38 + lift, 0.95, front)}`;
      break;
    case 'cloudy':
      sky = svg`${light(icon, 43, wet ? 14 : 19, 6)}${cloud(30, 37 + lift, 1.08, front)}`;
      break;
    case 'very-cloudy':
      sky = svg`${cloud(40, 26 + lift, 0.75, 'mid')}${cloud(29, 38 + lift, 1, front)}`;
      break;
    case 'overcast':
      sky = svg`${cloud(40, 26 + lift, 0.75, 'dark')}${cloud(29, 38 + lift, 1, front)}`;
      break;
    case 'high':
      sky = svg`${light(icon, 30, 27, 10)}<g fill="none" stroke=${colours.fog} stroke-width="3" stroke-linecap="round"><path d="M14 42 C24 36 34 46 50 39" /><path d="M20 51 C30 46 38 54 52 48" /></g>`;
      break;
    default:
      sky = svg``;
  }
  return svg`${sky}${precipitation(icon)}`;
}

/**
 * The picture for a sky state. With a label it is an image with that accessible name; without
 * one it is decoration (the description is written next to it).
 */
export function skyIcon(sky: Pick<Sky, 'code' | 'night'> | null, options: { size?: number; label?: string } = {}): TemplateResult {
  const icon = skyIconFor(sky);
  const size = options.size ?? 48;
  return html`<svg class="sky-icon" data-icon=${icon.key} viewBox="0 0 64 64" width=${size} height=${size} role=${options.label ? 'img' : 'presentation'} aria-label=${options.label ?? nothing} aria-hidden=${options.label ? nothing : 'true'} focusable="false">${picture(icon)}</svg>`;
}
