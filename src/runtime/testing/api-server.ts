/**
 * A real local HTTP server standing in for the API server in unit tests: it records every request and
 * answers with whatever the test's handler returns. `kubeConfig()` points a client-node KubeConfig at it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '../kube-lib.js';

/** A request as the fake server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** What the handler answers: status and JSON body (undefined → empty body). */
export interface FakeResponse {
  status: number;
  body?: unknown;
}

/** Decides the response to each request. */
export type FakeHandler = (req: RecordedRequest) => FakeResponse;

/** A running fake API server. */
export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  setHandler(handler: FakeHandler): void;
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

/** Starts a fake API server on a free local port. */
export async function startFakeApiServer(handler: FakeHandler = () => ({ status: 404 })): Promise<FakeApiServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(recorded);
      const answer = current(recorded);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  let connections = 0;
  server.on('connection', () => void connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    get connections() {
      return connections;
    },
    setHandler: (h) => (current = h),
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token: 'test-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
        currentContext: 'fake',
      });
      return kc;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A Kubernetes Status body for error responses. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}
