// The shapes the site reads, taken from the functions that produce them so the two cannot
// drift apart. Types only: nothing from functions/ is bundled into the site.
import type { ForecastListResponse, ForecastResponse } from '../../../functions/get-forecast/index.ts';
import type { Day, Period, Sky } from '../../../functions/lib/forecast/model.ts';
import type { ReloadRecord } from '../../../functions/lib/storage/audit-store.ts';
import type { SiteConfig } from '../../../platform/site.ts';

export type { Day, ForecastListResponse, ForecastResponse, Period, ReloadRecord, SiteConfig, Sky };

export type ForecastListItem = ForecastListResponse['items'][number];
export type PendingLocation = ForecastListResponse['pending'][number];

/** GET /admin/whoami */
export interface WhoAmI {
  subject: string;
  username: string | null;
  roles: string[];
  admin: boolean;
}

/** POST /admin/reload, 202 */
export interface ReloadAccepted {
  id: string;
  status: 'requested';
  statusUrl: string;
}

/** What download-forecast reports for a reload, stored as the audit row's result. */
export interface ReloadResult {
  stored: { locationId: string; key?: string }[];
  unchanged: { locationId: string; key?: string }[];
  failed: { locationId: string; reason: string }[];
}
