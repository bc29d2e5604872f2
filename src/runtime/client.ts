/**
 * Raw JSON requests to the Kubernetes API server. Bodies are sent and returned as plain JSON, never run
 * through client-node's typed models (which silently drop fields they do not know). Authentication, TLS
 * and proxies come from the KubeConfig via `applyToHTTPSOptions`, and requests go out through node:http(s).
 *
 * client-node builds a fresh, non-keep-alive agent on every `applyToHTTPSOptions` call, which would mean a
 * new TLS handshake and a new OpenSSL context (CA, client certificate) per request: slow, and at hundreds of
 * requests per second the native allocations dominate the process's memory. So the client keeps one
 * keep-alive agent per distinct TLS identity (CA, client certificate, key, server name, proxy) and sends
 * every request through it; credentials that change per request (exec or OIDC tokens) are headers and keep
 * coming from `applyToHTTPSOptions`.
 *
 * Kept-alive connections can be closed by the server (or a load balancer) while idle, and a request written
 * to one at that moment fails with ECONNRESET or EPIPE before the server saw it. Idle connections are
 * therefore closed after {@link IDLE_SOCKET_MS}, below common server and load-balancer idle limits, and a
 * request that fails that way on a reused connection is sent once more on a fresh one.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { during } from './activity.js';
import { ApiStatusError } from './api-error.js';

/** HTTP verbs the operator uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One API request. `path` is absolute from the server root, e.g. `/api/v1/namespaces/a/configmaps/b`. */
export interface ApiRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised with JSON.stringify. */
  body?: unknown;
  /** Content-Type of the body; default `application/json`. Patches must set theirs explicitly. */
  contentType?: string;
  /** Sent as `Impersonate-User`, e.g. `system:serviceaccount:ns:name`. */
  impersonate?: string;
  signal?: AbortSignal;
  /** Overall deadline for this request; default the client's (30 s). */
  timeoutMs?: number;
}

/** Sends a request; resolves the parsed JSON response body, rejects with ApiStatusError on non-2xx. */
export interface ApiClient {
  request(req: ApiRequest): Promise<unknown>;
}

/** Options for {@link KubeApiClient}. */
export interface KubeApiClientOptions {
  /** Default per-request deadline in milliseconds (30 s). */
  timeoutMs?: number;
  /** Most connections open to the API server at once (64); further requests wait for a free one. */
  maxSockets?: number;
}

/** One TLS option (a PEM string or buffer, or an object with a passphrase) as bytes for hashing. */
function fingerprint(piece: unknown): string | Buffer {
  if (piece === undefined || piece === null) return '';
  if (Buffer.isBuffer(piece)) return piece;
  if (typeof piece === 'string') return piece;
  return JSON.stringify(piece) ?? '';
}

/** How long a kept-alive connection may sit idle before the client closes it. */
export const IDLE_SOCKET_MS = 30_000;

/** Errors of a request written to a connection the server had already closed. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

/** Distinct TLS identities kept at once; a kubeconfig normally has one. */
const MAX_AGENTS = 8;

/** The real {@link ApiClient}, authenticated by a client-node KubeConfig. */
export class KubeApiClient implements ApiClient {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubeApiClientOptions = {},
  ) {}

  /** Closes kept-alive connections; later requests open new ones. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  /** Replaces the one-shot agent client-node put in `opts` with the kept agent for the same TLS identity. */
  private shareAgent(opts: https.RequestOptions, proxyUrl: string | undefined): void {
    const made = opts.agent;
    if (typeof made !== 'object') return;
    const hash = createHash('sha256');
    for (const part of [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.servername, opts.rejectUnauthorized, proxyUrl]) {
      for (const piece of Array.isArray(part) ? (part as unknown[]) : [part]) hash.update(fingerprint(piece));
      hash.update('\0');
    }
    const key = hash.digest('hex');
    let agent = this.agents.get(key);
    if (agent === undefined) {
      const limits = { keepAlive: true, maxSockets: this.options.maxSockets ?? 64, maxFreeSockets: 16, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS };
      // A plain agent is rebuilt with keep-alive and the same TLS options; a proxy agent is kept as made.
      if (made.constructor === https.Agent) agent = new https.Agent({ ...(made as https.Agent).options, ...limits });
      else if (made.constructor === http.Agent) agent = new http.Agent({ ...(made as http.Agent & { options: http.AgentOptions }).options, ...limits });
      else agent = made;
      if (this.agents.size >= MAX_AGENTS) {
        const [oldestKey, oldest] = this.agents.entries().next().value as [string, http.Agent];
        oldest.destroy();
        this.agents.delete(oldestKey);
      }
      this.agents.set(key, agent);
    }
    opts.agent = agent;
  }

  /** See {@link ApiClient.request}. Transport failures reject with MaglevError code ApiError. */
  async request(req: ApiRequest): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new MaglevError(ErrorCode.InvalidOptions, 'kubeconfig has no current cluster');
    const url = buildUrl(cluster.server, req.path, req.query);
    const opts: https.RequestOptions = { method: req.method, headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    this.shareAgent(opts, cluster.proxyUrl);
    const headers: http.OutgoingHttpHeaders = {};
    const base = opts.headers;
    if (base !== undefined && !Array.isArray(base)) Object.assign(headers, base);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    if (req.impersonate !== undefined) headers['Impersonate-User'] = req.impersonate;
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.options.timeoutMs ?? 30_000);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const what = `${req.method} ${req.path}`;
    try {
      const sent = () => during(what, send(url, { ...opts, headers, signal }, payload));
      let answer: { status: number; text: string };
      try {
        answer = await sent();
      } catch (err) {
        if (!isStaleConnection(err) || signal.aborted) throw err;
        answer = await sent();
      }
      const { status, text } = answer;
      const body = parseBody(text);
      if (status < 200 || status > 299) throw new ApiStatusError(what, status, body);
      return body;
    } catch (err) {
      if (err instanceof ApiStatusError) throw err;
      const why = timeout.aborted ? 'timed out' : req.signal?.aborted === true ? `cancelled (${errorMessage(req.signal.reason)})` : errorMessage(err);
      throw new MaglevError(ErrorCode.ApiError, `${what}: ${why}`, { cause: err, where: what });
    }
  }
}

/** The full URL of an API path on `server` (which may carry a path prefix), with query parameters. */
export function buildUrl(
  server: string,
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): URL {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/** A transport error that says the request went out on a reused connection the server had closed. */
class StaleConnectionError extends Error {}

function isStaleConnection(err: unknown): boolean {
  return err instanceof StaleConnectionError;
}

function send(url: URL, opts: https.RequestOptions, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = transport.request(url, opts, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && err.code !== undefined && STALE_CONNECTION.has(err.code);
      reject(stale ? new StaleConnectionError(err.message, { cause: err }) : err);
    });
    req.end(payload);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The resource a request path addresses, for metrics: the plural (with its subresource, e.g.
 * `helmreleases/status`, `pods/log`), `discovery` for group and version listings, or `other`.
 * Names and namespaces are dropped, so the label stays small.
 */
export function resourceOfPath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter((p) => p !== '');
  // /api/v1/... or /apis/<group>/<version>/...
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : undefined;
  if (rest === undefined) return 'other';
  if (rest.length === 0) return 'discovery';
  const scoped = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const [plural, , sub] = scoped;
  if (plural === undefined) return 'other';
  return sub === undefined ? plural : `${plural}/${sub}`;
}

