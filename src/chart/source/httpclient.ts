/**
 * The one HTTP GET used by every chart source (node:http/https, so a private CA is a plain https.Agent).
 * Redirects are followed by hand so credentials go only to their own origin (scheme, host, port); bodies
 * are read with a byte cap; one deadline (AbortController) covers the request, redirects and the body.
 * Errors name the URL without userinfo or query, never credentials.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ErrorCode, MaglevError } from '../../errors.js';
import { during } from '../../runtime/activity.js';

/** Credentials from a HelmRelease's secretRef; `caFile` holds PEM text (not a path). */
export interface Credentials {
  username?: string;
  password?: string;
  token?: string;
  caFile?: string | Buffer;
}

/** Options for {@link httpGet}. */
export interface GetOptions {
  /** Body cap in bytes; over it the request is aborted with `tooLargeCode`. */
  maxBytes: number;
  tooLargeCode?: ErrorCode;
  /** What is fetched, for messages ("repository index", "chart archive"...). */
  what: string;
  timeoutMs?: number;
  /** Origin (scheme://host:port) that may receive `authorization`; other origins get no credentials. */
  credentialOrigin?: string;
  /** Authorization header value for `credentialOrigin` (e.g. "Basic ..." or "Bearer ..."). */
  authorization?: string;
  accept?: string;
  ca?: string | Buffer;
  /** Plain http allowed for non-loopback hosts (default true; OCI passes its `insecure` choice). */
  allowHttp?: boolean;
  maxRedirects?: number;
}

/** A response of any status, with its (capped) body and the final URL after redirects. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  url: string;
}

/** Throws InvalidSpec when a URL carries userinfo: credentials belong in spec.chart.secretRef. */
export function refuseUserinfo(url: URL, field: string): void {
  if (url.username !== '' || url.password !== '') {
    throw new MaglevError(ErrorCode.InvalidSpec, `${field} ${redactUrl(url)} must not contain credentials; put them in the Secret named by ${field.replace(/\.[^.]+$/, '')}.secretRef`, { where: field, terminal: true });
  }
}

/** Parses a URL written in the spec at `field`: InvalidSpec (terminal) when it is not a URL or carries credentials. */
export function parseSpecUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new MaglevError(ErrorCode.InvalidSpec, `${field} "${redactUrl(text)}" is not a valid URL`, { where: field, terminal: true, cause: err });
  }
  refuseUserinfo(url, field);
  return url;
}

/** The URL as shown in messages: no userinfo, query replaced by `?…`. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url.toString());
    return `${u.protocol}//${u.host}${u.pathname}${u.search === '' ? '' : '?…'}`;
  } catch {
    return '(invalid URL)';
  }
}

/** scheme://host:port of a URL, with default ports made explicit so comparisons are exact. */
export function originOf(url: string | URL): string {
  const u = new URL(url.toString());
  const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80';
  return `${u.protocol}//${u.hostname}:${port}`;
}

/** True for localhost, 127.0.0.0/8 and ::1, where plain http is always allowed. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The Authorization header for credentials: Bearer token, else Basic username:password, else none. */
export function authorizationFor(c: Credentials | undefined): string | undefined {
  if (c?.token !== undefined && c.token !== '') return `Bearer ${c.token}`;
  if (c?.username !== undefined && c.username !== '') return `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
  return undefined;
}

const agents = new Map<string, https.Agent>();

function agentFor(ca: string | Buffer | undefined): https.Agent | undefined {
  if (ca === undefined || ca.length === 0) return undefined;
  const key = createHash('sha256').update(ca).digest('hex');
  let agent = agents.get(key);
  if (agent === undefined) {
    if (agents.size >= 32) agents.clear();
    agent = new https.Agent({ ca, keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

function fail(code: ErrorCode, message: string, url: string, cause?: unknown): MaglevError {
  return new MaglevError(code, message, { where: redactUrl(url), cause });
}

interface Hop {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function once(url: URL, opts: GetOptions, signal: AbortSignal): Promise<Hop> {
  const headers: Record<string, string> = { 'user-agent': 'maglev-operator', accept: opts.accept ?? '*/*' };
  if (opts.authorization !== undefined && opts.credentialOrigin !== undefined && originOf(url) === opts.credentialOrigin) {
    headers.authorization = opts.authorization;
  }
  const lib = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? agentFor(opts.ca) : undefined;
  const target = new URL(url.toString());
  target.username = '';
  target.password = '';
  return new Promise<Hop>((resolve, reject) => {
    const req = lib.get(target, { headers, signal, ...(agent ? { agent } : {}) }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const cap = status >= 200 && status < 300 ? opts.maxBytes : 64 * 1024;
      const declared = Number(res.headers['content-length'] ?? '0');
      if (status >= 200 && status < 300 && declared > cap) {
        res.destroy();
        return reject(tooLarge(url, opts, cap));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= cap) return void chunks.push(chunk);
        res.destroy();
        if (cap === opts.maxBytes) reject(tooLarge(url, opts, cap));
        else done();
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function tooLarge(url: URL, opts: GetOptions, cap: number): MaglevError {
  return fail(opts.tooLargeCode ?? ErrorCode.ChartTooLarge, `${opts.what} at ${redactUrl(url)} is larger than the cap of ${cap} bytes`, url.toString());
}

/** Scheme policy; a bad URL from the spec is InvalidSpec, one reached by a redirect is ChartFetchFailed. */
function checkScheme(url: URL, opts: GetOptions, redirected: boolean): void {
  const code = redirected ? ErrorCode.ChartFetchFailed : ErrorCode.InvalidSpec;
  const via = redirected ? ' (reached by a redirect)' : '';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail(code, `${opts.what} URL ${redactUrl(url)}${via} must use http or https`, url.toString());
  }
  if (url.protocol === 'http:' && opts.allowHttp === false && !isLoopback(url.hostname)) {
    throw fail(code, `${opts.what} URL ${redactUrl(url)}${via} uses plain http; only https is accepted (plain http only for localhost or with the insecure option)`, url.toString());
  }
}

/**
 * GETs `url`, following up to 10 redirects by hand (Authorization only to `credentialOrigin`), and returns
 * the final response whatever its status. Network errors and timeouts throw ChartFetchFailed.
 */
export async function httpGet(url: string, opts: GetOptions): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let current = new URL(url);
  try {
    for (let hop = 0; ; hop++) {
      checkScheme(current, opts, hop > 0);
      const res = await during(`${opts.what}: GET ${redactUrl(current)}`, once(current, opts, controller.signal));
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return { ...res, url: current.toString() };
      if (hop >= (opts.maxRedirects ?? 10)) throw fail(ErrorCode.ChartFetchFailed, `${opts.what}: too many redirects from ${redactUrl(url)}`, url);
      current = new URL(location, current);
    }
  } catch (err) {
    if (err instanceof MaglevError) throw err;
    if (controller.signal.aborted) throw fail(ErrorCode.ChartFetchFailed, `${opts.what}: GET ${redactUrl(current)} timed out after ${timeoutMs} ms`, current.toString(), err);
    const reason = err instanceof Error ? err.message : String(err);
    throw fail(ErrorCode.ChartFetchFailed, `${opts.what}: GET ${redactUrl(current)} failed: ${reason}`, current.toString(), err);
  } finally {
    clearTimeout(timer);
  }
}

/** Maps a non-2xx response to ChartNotFound (404) or ChartFetchFailed (anything else), naming the URL. */
export function expectOk(res: HttpResponse, what: string): HttpResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const code = res.status === 404 ? ErrorCode.ChartNotFound : ErrorCode.ChartFetchFailed;
  const hint = res.status === 401 || res.status === 403 ? ' (check the credentials in spec.chart.secretRef)' : '';
  throw fail(code, `${what}: GET ${redactUrl(res.url)} returned HTTP ${res.status}${hint}`, res.url);
}
