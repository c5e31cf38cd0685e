import { describe, expect, it } from 'vitest';
import { pathFor, routeFor } from './router.ts';

describe('routeFor', () => {
  it('knows the list and location pages', () => {
    expect(routeFor('/')).toEqual({ page: 'list' });
    expect(routeFor('/index.html')).toEqual({ page: 'list' });
    expect(routeFor('/location/28079')).toEqual({ page: 'location', id: '28079' });
    expect(routeFor('/location/tres-cantos/')).toEqual({ page: 'location', id: 'tres-cantos' });
  });

  it('does not take malformed ids or other paths for a page', () => {
    expect(routeFor('/location/')).toEqual({ page: 'not-found', path: '/location/' });
    expect(routeFor('/location/Madrid')).toEqual({ page: 'not-found', path: '/location/Madrid' });
    expect(routeFor('/location/28079/history')).toMatchObject({ page: 'not-found' });
    expect(routeFor('/api/forecasts')).toMatchObject({ page: 'not-found' });
  });

  it('turns a route back into its path', () => {
    for (const path of ['/', '/location/28079', '/location/a-b']) expect(pathFor(routeFor(path))).toBe(path);
  });
});
