import type { Clock } from './clock';
import { PupitreError } from './errors';
import type { Http } from './http';
import type { Identity, Store } from './store';
import { isExpired, needsRefresh, readClaims } from './token';
import type { Channel, Platform, RegisteredVisitor } from './types';

export interface Profile {
  channel: Channel;
  platform?: Platform;
  name?: string;
}

const isUnauthenticated = (err: unknown): boolean =>
  err instanceof PupitreError && err.code === 'UNAUTHENTICATED' && err.status === 401;

/**
 * Who the app is to the server: the stored visitor, or a new one registered on first need. Every
 * call goes out with the current token; a renewed one (`X-Visitor-Token`) replaces it, a token half
 * through its life is refreshed first (`POST /v1/visitor/token`), and a 401 is answered by one refresh
 * and one retry. A token that cannot be refreshed (expired, or its visitor unknown) is replaced by a
 * newly registered visitor: the app keeps working, under a new identity.
 */
export class Session {
  private identity: Identity | undefined;
  private registering: Promise<Identity> | undefined;
  private recovering: Promise<void> | undefined;

  constructor(
    private readonly http: Http,
    private readonly store: Store,
    private readonly profile: Profile,
    private readonly clock: Clock,
    private readonly onIdentity: (identity: Identity, previous: Identity | undefined) => void,
  ) {}

  restore(identity: Identity | undefined): void {
    if (identity && identity.channel === this.profile.channel) this.identity = identity;
  }

  get current(): Identity | undefined {
    return this.identity;
  }

  /** The visitor, registering one if there is none yet. */
  ensure(previous?: Identity): Promise<Identity> {
    if (this.identity) return Promise.resolve(this.identity);
    this.registering ??= this.register(previous).finally(() => (this.registering = undefined));
    return this.registering;
  }

  /** A token the socket handshake can use: refreshed first if it is due. */
  async freshToken(): Promise<string> {
    const identity = await this.ensure();
    if (needsRefresh(readClaims(identity.token), this.clock.now())) {
      await this.recover(identity).catch((err: unknown) => {
        if (!(err instanceof PupitreError && err.retryable)) throw err;
      });
    }
    return (this.identity ?? identity).token;
  }

  /** An authenticated SDK call. */
  async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    await this.freshToken();
    try {
      return await this.send<T>(method, path, body, headers);
    } catch (err) {
      if (!isUnauthenticated(err) || !this.identity) throw err;
      await this.recover(this.identity);
      return this.send<T>(method, path, body, headers);
    }
  }

  /**
   * After a refusal of `stale`'s token: refresh it, or register anew when the server will not. Calls
   * that fail together recover once.
   */
  recover(stale: Identity): Promise<void> {
    if (this.identity && this.identity.token !== stale.token) return Promise.resolve();
    this.recovering ??= this.refreshOrRegister(stale).finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  private async refreshOrRegister(stale: Identity): Promise<void> {
    if (!isExpired(readClaims(stale.token), this.clock.now())) {
      try {
        const answer = await this.http.request<{ token?: unknown }>('POST', '/v1/visitor/token', stale.token);
        if (typeof answer.body?.token === 'string') return this.setToken(answer.body.token);
      } catch (err) {
        if (!isUnauthenticated(err)) throw err;
      }
    }
    this.identity = undefined;
    await this.ensure(stale);
  }

  private async send<T>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const identity = this.identity ?? (await this.ensure());
    const answer = await this.http.request<T>(method, path, identity.token, body, headers);
    if (answer.renewedToken && this.identity?.visitorId === identity.visitorId)
      this.setToken(answer.renewedToken);
    return answer.body;
  }

  private setToken(token: string): void {
    if (!this.identity) return;
    this.identity = { ...this.identity, token };
    void this.store.saveIdentity(this.identity).catch(() => undefined);
  }

  private async register(previous: Identity | undefined): Promise<Identity> {
    const { channel, platform, name } = this.profile;
    const answer = await this.http.request<Partial<RegisteredVisitor>>('POST', '/v1/visitors', undefined, {
      channel,
      ...(platform ? { platform } : {}),
      ...(name ? { name } : {}),
    });
    const { visitorId, token } = answer.body ?? {};
    if (typeof visitorId !== 'string' || typeof token !== 'string')
      throw new PupitreError('NETWORK_ERROR', 'POST /v1/visitors: the answer has no visitorId and token');
    const identity: Identity = { visitorId, token, channel };
    await this.store.saveIdentity(identity);
    this.identity = identity;
    this.onIdentity(identity, previous);
    return identity;
  }
}
