import { describe, expect, it } from 'vitest';
import { aemetSkyDescriptions } from '../../../functions/lib/forecast/sky.ts';
import { skyIconFor, unknownSkyIcon } from './sky-icon.ts';

const allCodes = Object.keys(aemetSkyDescriptions);

describe('skyIconFor', () => {
  it('has a picture of its own for every AEMET sky code', () => {
    expect(allCodes).toHaveLength(34);
    for (const code of allCodes) {
      const icon = skyIconFor({ code, night: false });
      expect(icon.key, code).not.toBe('unknown');
    }
  });

  it('tells apart every code that means different weather', () => {
    const keys = new Set(allCodes.map((code) => skyIconFor({ code, night: false }).key));
    expect(keys.size).toBe(allCodes.length);
  });

  it('reads cover from the units digit and weather from the tens digit', () => {
    expect(skyIconFor({ code: '26', night: false })).toMatchObject({ cover: 'overcast', weather: 'rain', light: null });
    expect(skyIconFor({ code: '33', night: false })).toMatchObject({ cover: 'partly', weather: 'snow', light: 'sun' });
    expect(skyIconFor({ code: '45', night: false })).toMatchObject({ cover: 'very-cloudy', weather: 'light-rain' });
    expect(skyIconFor({ code: '54', night: false })).toMatchObject({ cover: 'overcast', weather: 'storm' });
    expect(skyIconFor({ code: '61', night: false })).toMatchObject({ cover: 'partly', weather: 'storm-light-rain' });
    expect(skyIconFor({ code: '51', night: false })).toMatchObject({ cover: 'partly', weather: 'storm', light: null });
    expect(skyIconFor({ code: '71', night: false })).toMatchObject({ cover: 'partly', weather: 'light-snow', light: 'sun' });
    expect(skyIconFor({ code: '74', night: false })).toMatchObject({ cover: 'overcast', weather: 'light-snow' });
    expect(skyIconFor({ code: '81', night: false })).toMatchObject({ cover: null, weather: 'fog', light: null });
    expect(skyIconFor({ code: '83', night: false })).toMatchObject({ weather: 'haze', light: 'sun' });
  });

  it('draws the moon instead of the sun at night', () => {
    const day = skyIconFor({ code: '11', night: false });
    const night = skyIconFor({ code: '11', night: true });
    expect(day).toMatchObject({ key: 'clear-day', light: 'sun' });
    expect(night).toMatchObject({ key: 'clear-night', light: 'moon' });
    expect(skyIconFor({ code: '23', night: true })).toMatchObject({ key: 'partly-rain-night', light: 'moon' });
  });

  it('has no day and night variants where the clouds hide the sky', () => {
    for (const code of ['15', '16', '26', '36', '52', '81']) {
      expect(skyIconFor({ code, night: true }).key, code).toBe(skyIconFor({ code, night: false }).key);
    }
  });

  it('falls back to the unknown picture for codes AEMET does not define, and for no sky', () => {
    for (const code of ['00', '10', '18', '21', '27', '37', '50', '55', '75', '80', '84', '99', '1', '123', 'ab']) {
      expect(skyIconFor({ code, night: false }), code).toEqual(unknownSkyIcon);
    }
    expect(skyIconFor(null)).toEqual(unknownSkyIcon);
  });
});
