/**
 * Test helper: a real HTTP server on 127.0.0.1 (port 0) with a per-path handler and a log of every request
 * (path and headers), so tests can assert what was sent where, including Authorization headers.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded request. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A route handler; return false to answer 404. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | void;

/** A running test server. */
export interface TestServer {
  url: string;
  seen: Seen[];
  route(path: string | RegExp, handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server; routes are matched in the order added (string: exact path without query). */
export async function startServer(): Promise<TestServer> {
  const routes: [string | RegExp, Handler][] = [];
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      seen.push({ method: req.method ?? 'GET', path, headers: req.headers });
      const route = routes.find(([p]) => (typeof p === 'string' ? p === path : p.test(path)));
      if (route === undefined || route[1](req, res, Buffer.concat(chunks)) === false) {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    route: (path, handler) => routes.push([path, handler]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a fixed body with a content type. */
export function sendBody(body: string | Buffer, type = 'application/octet-stream', status = 200): Handler {
  return (_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', type);
    res.end(body);
  };
}
