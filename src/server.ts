/**
 * The operator's HTTP listeners (fastify): `/metrics` on the metrics address, and `/healthz`
 * (the process is alive) and `/readyz` (every cache synced and watching: it fails while the API server
 * cannot be reached) on the probes address.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A listening server and the port it got (useful with port 0). */
export interface Listening {
  app: FastifyInstance;
  port: number;
}

async function listen(app: FastifyInstance, address: { host: string; port: number }): Promise<Listening> {
  await app.listen({ host: address.host, port: address.port });
  const bound = app.server.address();
  return { app, port: typeof bound === 'object' && bound !== null ? bound.port : address.port };
}

/** Serves the registry's metrics in the Prometheus text format. */
export function metricsServer(registry: Registry, address: { host: string; port: number }): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  return listen(app, address);
}

/** Serves liveness (always ok while the event loop turns) and readiness (`ready()` true). */
export function probesServer(ready: () => boolean, address: { host: string; port: number }): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.get('/healthz', (_req, reply) => reply.send('ok'));
  app.get('/readyz', (_req, reply) => (ready() ? reply.send('ok') : reply.code(503).send('caches not synced or not watching')));
  return listen(app, address);
}
