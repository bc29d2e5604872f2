/**
 * Raw JSON requests to the Kubernetes API server. Bodies are sent and returned as plain JSON, never run
 * through client-node's typed models (which silently drop fields they do not know). Authentication, TLS
 * and proxies come from the KubeConfig via `applyToHTTPSOptions`, and requests go out through node:http(s).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
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
}

/** The real {@link ApiClient}, authenticated by a client-node KubeConfig. */
export class KubeApiClient implements ApiClient {
  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubeApiClientOptions = {},
  ) {}

  /** See {@link ApiClient.request}. Transport failures reject with MaglevError code ApiError. */
  async request(req: ApiRequest): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new MaglevError(ErrorCode.InvalidOptions, 'kubeconfig has no current cluster');
    const url = buildUrl(cluster.server, req.path, req.query);
    const opts: https.RequestOptions = { method: req.method, headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
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
      const { status, text } = await send(url, { ...opts, headers, signal }, payload);
      const body = parseBody(text);
      if (status < 200 || status > 299) throw new ApiStatusError(what, status, body);
      return body;
    } catch (err) {
      if (err instanceof ApiStatusError) throw err;
      const why = timeout.aborted ? 'timed out' : errorMessage(err);
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

function send(url: URL, opts: https.RequestOptions, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
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
