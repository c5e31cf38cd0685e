// Keys of stored raw documents: deterministic, parsed back exactly, and nothing else accepted.
import { describe, expect, it } from 'vitest';
import { RejectedInputError } from '../errors.ts';
import { documentKey, parseDocumentKey, type DocumentKey } from './object-keys.ts';

describe('documentKey and parseDocumentKey', () => {
  it('writes {provider}/{location}/{compact UTC issue time}.{ext}', () => {
    const key = documentKey({ provider: 'aemet', locationId: '28079', issuedAt: new Date('2026-11-23T05:40:00Z'), extension: 'xml' });
    expect(key).toBe('aemet/28079/20261123T054000Z.xml');
  });

  it.each<DocumentKey>([
    { provider: 'aemet', locationId: '28079', issuedAt: new Date('2026-11-23T05:40:00Z'), extension: 'xml' },
    { provider: 'open-meteo', locationId: 'tres-cantos', issuedAt: new Date('2027-01-01T00:00:00Z'), extension: 'json' },
    { provider: 'aemet', locationId: '08019', issuedAt: new Date('2028-02-29T23:59:59Z'), extension: 'xml' },
  ])('round-trips $provider/$locationId', (original) => {
    const key = documentKey(original);
    expect(parseDocumentKey(key)).toEqual(original);
    expect(documentKey(parseDocumentKey(key))).toBe(key);
  });

  it('keeps whole seconds, so one issue time always maps to one key', () => {
    const a = documentKey({ provider: 'aemet', locationId: '28079', issuedAt: new Date('2026-11-23T05:40:00.000Z'), extension: 'xml' });
    const b = documentKey({ provider: 'aemet', locationId: '28079', issuedAt: new Date('2026-11-23T05:40:00.999Z'), extension: 'xml' });
    expect(a).toBe(b);
  });

  it.each([
    ['a parent-directory segment', '../aemet/28079/20261123T054000Z.xml'],
    ['traversal inside the key', 'aemet/28079/../../etc/20261123T054000Z.xml'],
    ['an absolute path', '/aemet/28079/20261123T054000Z.xml'],
    ['a provider this app does not know', 'metoffice/28079/20261123T054000Z.xml'],
    ['an upper-case location', 'aemet/Madrid/20261123T054000Z.xml'],
    ['an extra folder', 'aemet/28079/extra/20261123T054000Z.xml'],
    ['a local time without Z', 'aemet/28079/20261123T054000.xml'],
    ['an ISO time with separators', 'aemet/28079/2026-11-23T05:40:00Z.xml'],
    ['another extension', 'aemet/28079/20261123T054000Z.txt'],
    ['a trailing extension', 'aemet/28079/20261123T054000Z.xml.exe'],
    ['month 13', 'aemet/28079/20261323T054000Z.xml'],
    ['30 February', 'aemet/28079/20260230T054000Z.xml'],
    ['hour 24', 'aemet/28079/20261123T240000Z.xml'],
    ['an empty key', ''],
  ])('rejects %s with 422', (_what, key) => {
    let caught: unknown;
    try {
      parseDocumentKey(key);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RejectedInputError);
    expect((caught as RejectedInputError).status).toBe(422);
    expect((caught as Error).message).toContain('object key');
  });
});
