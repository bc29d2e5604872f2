/**
 * A minimal OCI distribution client for pulling: GETs against one registry with the auth schemes Helm
 * users meet: anonymous, basic, a static bearer token, and the token flow (401 with
 * `WWW-Authenticate: Bearer realm=...,service=...,scope=...` → token from the realm, with basic
 * credentials when given). Credentials go to the registry's own origin; basic credentials go to a token
 * realm only over https or on the registry's origin; blob redirects to other hosts carry no credentials.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { authorizationFor, expectOk, httpGet, isLoopback, originOf, redactUrl, type Credentials, type HttpResponse } from './httpclient.js';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (and `Basic realm="..."`). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    const key = p[1];
    if (key !== undefined) params[key.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

/** Options for a {@link RegistryClient}. */
export interface RegistryOptions {
  credentials?: Credentials;
  timeoutMs?: number;
  /** Plain http to a registry that is not on localhost. */
  insecure?: boolean;
}

/** Pull-side access to one registry host (`host[:port]`). */
export class RegistryClient {
  readonly base: string;
  private authorization: string | undefined;
  private readonly origin: string;

  constructor(
    readonly host: string,
    private readonly opts: RegistryOptions = {},
  ) {
    const hostname = host.replace(/:\d+$/, '');
    this.base = `${opts.insecure === true || isLoopback(hostname) ? 'http' : 'https'}://${host}`;
    this.origin = originOf(this.base);
    this.authorization = opts.credentials?.token !== undefined && opts.credentials.token !== '' ? `Bearer ${opts.credentials.token}` : undefined;
  }

  /** GET `path` (e.g. `/v2/x/tags/list`), authenticating on 401; returns the 2xx response or throws. */
  async get(path: string, what: string, accept: string, maxBytes: number, tooLargeCode: ErrorCode = ErrorCode.ChartTooLarge): Promise<HttpResponse> {
    const url = `${this.base}${path}`;
    const send = (): Promise<HttpResponse> =>
      httpGet(url, {
        what, accept, maxBytes, tooLargeCode, timeoutMs: this.opts.timeoutMs, allowHttp: this.opts.insecure === true,
        credentialOrigin: this.origin, authorization: this.authorization, ca: this.opts.credentials?.caFile,
      });
    let res = await send();
    if (res.status === 401) {
      const challenge = parseChallenge(headerText(res.headers['www-authenticate']));
      if (await this.authenticate(challenge, what)) res = await send();
    }
    return expectOk(res, what);
  }

  private async authenticate(challenge: Challenge | undefined, what: string): Promise<boolean> {
    const basic = authorizationFor({ ...this.opts.credentials, token: undefined });
    if (challenge?.scheme === 'basic') {
      if (basic === undefined || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (challenge?.scheme !== 'bearer' || challenge.params.realm === undefined) return false;
    this.authorization = `Bearer ${await this.fetchToken(challenge.params, basic, what)}`;
    return true;
  }

  private async fetchToken(params: Record<string, string>, basic: string | undefined, what: string): Promise<string> {
    const realm = new URL(params.realm ?? '');
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    if (params.scope !== undefined) realm.searchParams.set('scope', params.scope);
    const mayReceiveBasic = realm.protocol === 'https:' || originOf(realm) === this.origin || isLoopback(realm.hostname);
    const res = await httpGet(realm.toString(), {
      what: `registry token for ${what}`, accept: 'application/json', maxBytes: 1024 * 1024, timeoutMs: this.opts.timeoutMs,
      allowHttp: this.opts.insecure === true, credentialOrigin: originOf(realm), authorization: mayReceiveBasic ? basic : undefined,
      ca: this.opts.credentials?.caFile,
    });
    expectOk(res, `registry token for ${what}`);
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch (err) {
      throw new MaglevError(ErrorCode.ChartFetchFailed, `registry token from ${redactUrl(realm)} is not JSON`, { where: redactUrl(realm), cause: err });
    }
    const token = (body as { token?: unknown; access_token?: unknown } | null)?.token ?? (body as { access_token?: unknown } | null)?.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new MaglevError(ErrorCode.ChartFetchFailed, `registry token response from ${redactUrl(realm)} has no token`, { where: redactUrl(realm) });
    }
    return token;
  }
}

function headerText(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
