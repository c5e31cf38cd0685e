// The admin API (reload-forecast): who is signed in, start a reload, follow it to its end.
import { adminRequestOptions, type AuthConfig } from '../auth/session.ts';
import { expectShape, fetchJson } from './client.ts';
import type { ReloadAccepted, ReloadRecord, WhoAmI } from './types.ts';

export interface AdminCredentials {
  auth: AuthConfig;
  token: string | null;
}

export async function whoAmI(credentials: AdminCredentials, signal?: AbortSignal): Promise<WhoAmI> {
  const body = await fetchJson('/admin/whoami', { ...adminRequestOptions(credentials.auth, credentials.token), ...(signal ? { signal } : {}) });
  return expectShape<WhoAmI>(body, 'an identity', (b) => typeof b.subject === 'string' && typeof b.admin === 'boolean');
}

export async function requestReload(credentials: AdminCredentials): Promise<ReloadAccepted> {
  const body = await fetchJson('/admin/reload', { method: 'POST', ...adminRequestOptions(credentials.auth, credentials.token) });
  return expectShape<ReloadAccepted>(body, 'an accepted reload', (b) => typeof b.id === 'string' && typeof b.statusUrl === 'string');
}

export async function getReload(credentials: AdminCredentials, statusUrl: string, signal?: AbortSignal): Promise<ReloadRecord> {
  // Only ever follow a status URL on this site's own admin API.
  if (!/^\/admin\/reloads\/[0-9a-f-]+$/.test(statusUrl)) throw new Error(`unexpected reload status URL ${statusUrl}`);
  const body = await fetchJson(statusUrl, { ...adminRequestOptions(credentials.auth, credentials.token), ...(signal ? { signal } : {}) });
  return expectShape<ReloadRecord>(body, 'a reload record', (b) => typeof b.status === 'string');
}
