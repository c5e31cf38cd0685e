// The provider registry: the one place that knows every provider.
import type { ProviderId } from '../forecast/model.ts';
import { aemet } from './aemet.ts';
import { openMeteo } from './open-meteo.ts';
import type { ForecastProvider } from './provider.ts';

export const providers: Readonly<Record<ProviderId, ForecastProvider>> = {
  aemet,
  'open-meteo': openMeteo,
};

export type { ForecastProvider, ParseContext } from './provider.ts';
