// Raw documents are stored under `{provider}/{locationId}/{issued}.{ext}`, issued as a compact
// UTC time (20261123T054000Z). The key is deterministic, so an unchanged forecast maps to an
// object that already exists and is not stored twice.
import { RejectedInputError } from '../errors.ts';
import { providerIds, type ProviderId } from './model.ts';

export interface DocumentKey {
  provider: ProviderId;
  locationId: string;
  issuedAt: Date;
  extension: 'xml' | 'json';
}

export function documentKey(key: DocumentKey): string {
  const compact = key.issuedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${key.provider}/${key.locationId}/${compact}.${key.extension}`;
}

const keyPattern = new RegExp(`^(${providerIds.join('|')})/([a-z0-9][a-z0-9-]{0,63})/(\\d{8}T\\d{6}Z)\\.(xml|json)$`);

/** Parse a stored document's key; RejectedInputError for anything this app did not write. */
export function parseDocumentKey(key: string): DocumentKey {
  const m = keyPattern.exec(key);
  if (!m) throw new RejectedInputError(`object key ${JSON.stringify(key.slice(0, 200))} is not {provider}/{location}/{issued}.{xml|json}`, 422);
  const [, provider, locationId, compact, extension] = m as unknown as [string, ProviderId, string, string, 'xml' | 'json'];
  const iso = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}T${compact.slice(9, 11)}:${compact.slice(11, 13)}:${compact.slice(13, 15)}Z`;
  const issuedAt = new Date(iso);
  // Date rolls 30 February or 24:00 over into the next day; only a time that reads back the same is real.
  if (Number.isNaN(issuedAt.getTime()) || issuedAt.toISOString() !== iso.replace('Z', '.000Z')) throw new RejectedInputError(`object key ${key} has an impossible issue time`, 422);
  return { provider, locationId, issuedAt, extension };
}
