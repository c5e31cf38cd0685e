// Variants of the sample AEMET documents for tests that need many distinct forecasts: the same
// document issued at another time (AEMET's <elaborado> is a local time without an offset).
import type { Location } from '../../functions/lib/forecast/model.ts';
import { documentKey } from '../../functions/lib/forecast/object-keys.ts';
import { providers } from '../../functions/lib/providers/index.ts';

/** The document issued `hours` later (earlier when negative); the bytes stay ISO-8859-15. */
export function reissued(bytes: Uint8Array, hours: number): Buffer {
  const text = Buffer.from(bytes).toString('latin1');
  const issued = /<elaborado>([^<]+)<\/elaborado>/.exec(text)?.[1];
  if (!issued) throw new Error('the document has no <elaborado>');
  const shifted = new Date(Date.parse(`${issued}Z`) + hours * 3_600_000).toISOString().slice(0, 19);
  return Buffer.from(text.replace(`<elaborado>${issued}</elaborado>`, `<elaborado>${shifted}</elaborado>`), 'latin1');
}

/** The issue time the app reads from a document, and the key download-forecast stores it under. */
export function issueOf(location: Location, bytes: Uint8Array): { issuedAt: string; key: string } {
  const issuedAt = providers.aemet.parse(bytes, { location, fetchedAt: new Date(), sample: false }).issuedAt;
  return { issuedAt, key: documentKey({ provider: 'aemet', locationId: location.id, issuedAt: new Date(issuedAt), extension: 'xml' }) };
}
