import { describe, expect, it } from 'vitest';
import { describeWind, formatPercent, formatSpeed, formatTemperature, formatWind, missing, windDirection } from './units.ts';

describe('formatTemperature', () => {
  it('writes whole degrees Celsius the way the locale does', () => {
    expect(formatTemperature(8, 'en-GB')).toBe('8°C');
    expect(formatTemperature(8, 'es-ES')).toBe('8 °C');
    expect(formatTemperature(-3.6, 'en-GB')).toBe('-4°C');
    expect(formatTemperature(21.5, 'en-GB')).toBe('22°C');
  });

  it('never writes minus zero', () => {
    expect(formatTemperature(-0.4, 'en-GB')).toBe('0°C');
  });

  it('writes a missing value as a dash, not as zero', () => {
    expect(formatTemperature(null, 'en-GB')).toBe(missing);
    expect(formatTemperature(0, 'en-GB')).toBe('0°C');
  });
});

describe('formatPercent and formatSpeed', () => {
  it('keep the unit and the locale spacing', () => {
    expect(formatPercent(80, 'en-GB')).toBe('80%');
    expect(formatPercent(80, 'es-ES')).toBe('80\u00a0%'); // a no-break space, as CLDR writes it
    expect(formatPercent(0, 'en-GB')).toBe('0%');
    expect(formatPercent(null, 'en-GB')).toBe(missing);
    expect(formatSpeed(25, 'es-ES')).toBe('25 km/h');
    expect(formatSpeed(null, 'es-ES')).toBe(missing);
  });
});

describe('windDirection', () => {
  it('translates the Spanish compass points', () => {
    expect(windDirection('SO')).toEqual({ kind: 'from', from: { abbreviation: 'SW', name: 'southwest', degrees: 225 } });
    expect(windDirection('O')).toMatchObject({ from: { abbreviation: 'W', degrees: 270 } });
    expect(windDirection('NO')).toMatchObject({ from: { abbreviation: 'NW', degrees: 315 } });
    expect(windDirection('NE')).toMatchObject({ from: { abbreviation: 'NE', degrees: 45 } });
  });

  it('reads calm, bearings in degrees and nothing', () => {
    expect(windDirection('C')).toEqual({ kind: 'calm' });
    expect(windDirection('200')).toMatchObject({ from: { abbreviation: 'S' } });
    expect(windDirection('350')).toMatchObject({ from: { abbreviation: 'N' } });
    expect(windDirection(null)).toEqual({ kind: 'unknown' });
    expect(windDirection('XYZ')).toEqual({ kind: 'unknown' });
  });
});

describe('formatWind', () => {
  it('writes direction and speed, or calm', () => {
    expect(formatWind({ direction: 'SO', speedKmh: 25 }, 'es-ES')).toBe('SW 25 km/h');
    expect(formatWind({ direction: 'C', speedKmh: 0 }, 'en-GB')).toBe('Calm');
    expect(formatWind({ direction: 'N', speedKmh: 0 }, 'en-GB')).toBe('Calm');
    expect(formatWind({ direction: null, speedKmh: 10 }, 'en-GB')).toBe('10 km/h');
    expect(formatWind({ direction: 'E', speedKmh: null }, 'en-GB')).toBe('E');
    expect(formatWind(null, 'en-GB')).toBe(missing);
  });

  it('has a spoken form', () => {
    expect(describeWind({ direction: 'NE', speedKmh: 5 }, 'en-GB')).toBe('from the northeast at 5 km/h');
    expect(describeWind({ direction: 'C', speedKmh: 0 }, 'en-GB')).toBe('calm');
    expect(describeWind(null, 'en-GB')).toBe('wind not given');
  });
});
