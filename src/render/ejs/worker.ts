/**
 * Render worker entry: one Sandbox, one job at a time. Started by the pool with an empty environment,
 * memory limits and `--experimental-vm-modules` (see sandbox.ts); prepares the next context while idle.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from './protocol.js';
import { Sandbox } from './sandbox.js';

const port = parentPort;
if (port === null) throw new Error('the render worker must run in a worker thread');

// Template code may leave rejected promises behind (e.g. a denied import()); they must not kill the worker.
process.on('unhandledRejection', () => undefined);

const sandbox = new Sandbox();
sandbox.prepare();

port.on('message', (req: WorkerRequest) => {
  const message: WorkerMessage = { id: req.id, result: sandbox.render(req.job) };
  port.postMessage(message);
  setImmediate(() => sandbox.prepare());
});

const ready: WorkerMessage = { ready: true };
port.postMessage(ready);
