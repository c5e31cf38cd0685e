// What every forecast provider offers: where a location's document lives, and how its bytes
// become the normalized model. Adding a provider means one module implementing this interface
// and one entry in `providers/index.ts`.
import type { Forecast, Location, ProviderId } from '../forecast/model.ts';

export interface ParseContext {
  location: Location;
  /** When the document was fetched; providers without an issue time derive it from this. */
  fetchedAt: Date;
  /** The document came from the bundled fixtures. */
  sample: boolean;
}

export interface ForecastProvider {
  readonly id: ProviderId;
  /** Extension of stored raw documents: part of the object key. */
  readonly fileExtension: 'xml' | 'json';
  readonly contentType: string;
  /** Public endpoint the provider serves; `npm run dev -- --offline` replaces it with fixtures. */
  readonly defaultBaseUrl: string;
  documentUrl(location: Location, baseUrl: string): string;
  /** Decode and normalize; throws DocumentRejectedError naming the location and the reason. */
  parse(bytes: Uint8Array, context: ParseContext): Forecast;
}

/** Largest document accepted from any provider; AEMET's are ~12 KB, Open-Meteo's ~2 KB. */
export const maxDocumentBytes = 1024 * 1024;
