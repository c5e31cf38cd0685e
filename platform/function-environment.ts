// The settings every runtime gives a function, derived from the app definition alone. The local
// runtime and the Kubernetes rendering both start from this and add only how to reach their own
// services (URLs, credentials), so a function cannot behave differently for lack of a setting.
import type { App, FunctionName } from './app.ts';
import { longestInterval, parseCron } from './cron.ts';

/** A forecast is stale when issued more than this many schedule intervals ago. */
export const staleAfterIntervals = 3;

export function staleAfterSeconds(app: App): number {
  return staleAfterIntervals * longestInterval(parseCron(app.schedule.cron));
}

export function functionEnvironment(app: App, name: FunctionName): Record<string, string> {
  const spec = app.functions[name];
  const env: Record<string, string> = {
    FUNCTION_NAME: name,
    FORECAST_LOCATIONS: JSON.stringify(app.schedule.locations),
    FORECASTS_BUCKET: 'forecasts',
    STALE_AFTER_SECONDS: String(staleAfterSeconds(app)),
  };
  if (spec.uses.includes('latestStore')) env.LATEST_STORE = app.databases.latest.engine;
  if (spec.uses.includes('tokenVerifier')) {
    env.OIDC_AUDIENCE = app.auth.clientId;
    env.ADMIN_ROLE = app.auth.adminRole;
    env.RELOADS_PER_MINUTE = String(app.auth.reloadsPerMinute);
  }
  return { ...env, ...spec.env };
}
