// The configured locations reach functions as JSON in FORECAST_LOCATIONS (rendered from the
// app definition). Parsed strictly: a bad setting stops the function at start, not mid-run.
import * as z from 'zod';
import { LocationSchema, type Location } from './model.ts';

export function parseLocationsSetting(json: string | undefined): Location[] {
  if (!json) throw new Error('environment variable FORECAST_LOCATIONS is not set');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`FORECAST_LOCATIONS is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = z.array(LocationSchema).min(1).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`FORECAST_LOCATIONS is invalid at [${issue?.path.join('.')}]: ${issue?.message}`);
  }
  return result.data;
}
