// Sign-in and the admin's "Reload now". The button is offered only to someone /admin/whoami
// says is an admin; the API checks the role on every call anyway. A reload is followed through
// its status URL until download-forecast reports back, and the outcome is shown here.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { getReload, requestReload, whoAmI, type AdminCredentials } from '../api/admin-api.ts';
import { ApiError } from '../api/client.ts';
import { summarizeReload, type ReloadSummary } from '../api/reload-summary.ts';
import type { WhoAmI } from '../api/types.ts';
import { signInHref, signOutHref, type AuthConfig, type TokenStore } from '../auth/session.ts';

type Identity =
  | { status: 'signed-out'; note: string | null }
  | { status: 'checking' }
  | { status: 'signed-in'; who: WhoAmI }
  | { status: 'not-admin'; who: WhoAmI | null }
  | { status: 'unknown'; message: string };

type Reload =
  | { status: 'idle' }
  | { status: 'requesting' }
  | { status: 'running'; startedAt: number }
  | { status: 'finished'; summary: ReloadSummary }
  | { status: 'refused'; message: string };

/** How often to ask how a reload is going, and for how long before giving up on watching it. */
const pollEveryMs = 1_000;
const watchForMs = 90_000;

export class AdminControls extends LitElement {
  static override properties = {
    auth: { attribute: false },
    tokens: { attribute: false },
    returnPath: { attribute: false },
    identity: { state: true },
    reload: { state: true },
  };

  declare auth: AuthConfig | null;
  declare tokens: TokenStore | null;
  /** The page to come back to after signing in or out. */
  declare returnPath: string;
  declare identity: Identity;
  declare reload: Reload;
  #watch: AbortController | null = null;

  constructor() {
    super();
    this.auth = null;
    this.tokens = null;
    this.returnPath = '/';
    this.identity = { status: 'checking' };
    this.reload = { status: 'idle' };
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#watch?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('auth') || changed.has('tokens')) void this.checkIdentity();
  }

  get #credentials(): AdminCredentials | null {
    return this.auth ? { auth: this.auth, token: this.tokens?.get() ?? null } : null;
  }

  async checkIdentity(): Promise<void> {
    const credentials = this.#credentials;
    if (!credentials) return;
    if (credentials.auth.mode === 'dev-bearer' && credentials.token === null) {
      this.identity = { status: 'signed-out', note: null };
      return;
    }
    this.identity = { status: 'checking' };
    try {
      const who = await whoAmI(credentials);
      this.identity = who.admin ? { status: 'signed-in', who } : { status: 'not-admin', who };
    } catch (error) {
      this.identity = this.#identityAfter(error);
    }
  }

  #identityAfter(error: unknown): Identity {
    if (error instanceof ApiError && error.status === 401) {
      const hadToken = this.tokens?.get() != null;
      this.tokens?.clear();
      return { status: 'signed-out', note: hadToken ? 'Your admin session has ended; sign in again.' : null };
    }
    // Behind the cluster's proxy a signed-in user without the role is refused at the door.
    if (error instanceof ApiError && error.status === 403) return { status: 'not-admin', who: null };
    return { status: 'unknown', message: error instanceof Error ? error.message : String(error) };
  }

  signOut(): void {
    this.#watch?.abort();
    this.tokens?.clear();
    this.identity = { status: 'signed-out', note: null };
    this.reload = { status: 'idle' };
  }

  async startReload(): Promise<void> {
    const credentials = this.#credentials;
    if (!credentials || this.reload.status === 'requesting' || this.reload.status === 'running') return;
    this.reload = { status: 'requesting' };
    let statusUrl: string;
    try {
      statusUrl = (await requestReload(credentials)).statusUrl;
    } catch (error) {
      this.#refused(error);
      return;
    }
    this.#watch?.abort();
    const watch = new AbortController();
    this.#watch = watch;
    const startedAt = Date.now();
    this.reload = { status: 'running', startedAt };
    while (!watch.signal.aborted && Date.now() - startedAt < watchForMs) {
      await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
      if (watch.signal.aborted) return;
      try {
        const record = await getReload(credentials, statusUrl, watch.signal);
        if (record.status === 'requested') continue;
        this.reload = { status: 'finished', summary: summarizeReload(record) };
        this.dispatchEvent(new CustomEvent('forecasts-changed', { bubbles: true }));
        return;
      } catch (error) {
        if (watch.signal.aborted) return;
        if (error instanceof ApiError && error.kind === 'http') {
          this.#refused(error);
          return;
        }
        // A network blip while watching: keep asking until the time is up.
      }
    }
    if (!watch.signal.aborted) {
      this.reload = { status: 'refused', message: 'The reload is still running after 90 seconds. The forecasts will update when it finishes.' };
    }
  }

  #refused(error: unknown): void {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) this.identity = this.#identityAfter(error);
    let message = error instanceof Error ? error.message : String(error);
    if (error instanceof ApiError && error.status === 429) {
      const wait = error.retryAfterSeconds === null ? 'a minute' : `${error.retryAfterSeconds} seconds`;
      message = `Too many reloads in a short time. Try again in ${wait}.`;
    } else if (error instanceof ApiError && error.status === 401) {
      message = 'Your admin session has ended; sign in again to reload.';
    } else if (error instanceof ApiError && error.status === 403) {
      message = 'Your account does not have the admin role, so it cannot reload.';
    }
    this.reload = { status: 'refused', message };
  }

  protected override render(): TemplateResult | typeof nothing {
    const auth = this.auth;
    if (!auth) return nothing;
    return html`<div class="admin" data-testid="admin">
      <div class="admin-row">${this.#identityView(auth)}</div>
      ${this.#reloadView()}
    </div>`;
  }

  #identityView(auth: AuthConfig): TemplateResult {
    const signIn = html`<a class="button button-quiet" href=${signInHref(auth, this.returnPath)}>Admin sign-in</a>`;
    const signOutTarget = signOutHref(auth, this.returnPath);
    const signOut = signOutTarget
      ? html`<a class="link-button" href=${signOutTarget}>Sign out</a>`
      : html`<button type="button" class="link-button" @click=${() => this.signOut()}>Sign out</button>`;
    const identity = this.identity;
    switch (identity.status) {
      case 'checking':
        return html`<span class="admin-note">Checking sign-in…</span>`;
      case 'signed-out':
        return html`${identity.note ? html`<span class="admin-note" role="status">${identity.note}</span>` : nothing}${signIn}`;
      case 'unknown':
        return html`<span class="admin-note" title=${identity.message}>Sign-in could not be checked.</span>
          <button type="button" class="link-button" @click=${() => void this.checkIdentity()}>Check again</button>`;
      case 'not-admin':
        return html`<span class="admin-note">Signed in${identity.who ? html` as <strong>${identity.who.username ?? identity.who.subject}</strong>` : nothing}, without the admin role</span>${signOut}`;
      case 'signed-in': {
        const busy = this.reload.status === 'requesting' || this.reload.status === 'running';
        return html`<span class="admin-note">Admin: <strong>${identity.who.username ?? identity.who.subject}</strong></span>
          <button type="button" class="button" data-testid="reload" ?disabled=${busy} aria-describedby="reload-status" @click=${() => void this.startReload()}>
            ${busy ? 'Reloading…' : 'Reload now'}
          </button>
          ${signOut}`;
      }
    }
  }

  #reloadView(): TemplateResult {
    const reload = this.reload;
    let body: TemplateResult | typeof nothing = nothing;
    let tone = '';
    switch (reload.status) {
      case 'requesting':
        body = html`<span class="spinner" aria-hidden="true"></span> Asking for a reload…`;
        break;
      case 'running':
        body = html`<span class="spinner" aria-hidden="true"></span> Reload requested: downloading the forecasts…`;
        break;
      case 'finished':
        tone = reload.summary.outcome === 'completed' ? 'ok' : 'bad';
        body = html`<span>${reload.summary.message}</span>
          ${reload.summary.failed.length > 0
            ? html`<ul class="reload-failures">${reload.summary.failed.map((f) => html`<li><strong>${f.locationId}</strong>: ${f.reason}</li>`)}</ul>`
            : nothing}`;
        break;
      case 'refused':
        tone = 'bad';
        body = html`<span>${reload.message}</span>`;
        break;
    }
    const dismissable = reload.status === 'finished' || reload.status === 'refused';
    // The live region stays in the page so screen readers hear each change of its text.
    return html`<div id="reload-status" class="reload-status ${tone ? `reload-${tone}` : ''}" role="status" data-testid="reload-status" ?hidden=${reload.status === 'idle'}>
      <div class="reload-text">${body}</div>
      ${dismissable ? html`<button type="button" class="link-button" @click=${() => (this.reload = { status: 'idle' })}>Dismiss</button>` : nothing}
    </div>`;
  }
}

customElements.define('admin-controls', AdminControls);
