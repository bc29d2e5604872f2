/**
 * A small pool of warm render workers. Each worker runs one job at a time in its own V8 isolate with an
 * empty environment, a heap limit and a wall-clock deadline after which it is terminated and replaced.
 *
 * Entry point: built code (`dist/`, `.js`) starts `worker.js` directly. When running from TypeScript
 * sources (vitest, tsx) a `.js` sibling does not exist, so the worker boots tsx's ESM loader first and
 * then imports `worker.ts`; tsx is a dev dependency and is only needed in that case.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, MaglevError, errorMessage } from '../../errors.js';
import type { EjsJob, EjsJobResult, WorkerMessage, WorkerRequest } from './protocol.js';

/** Pool sizing and per-worker limits. */
export interface EjsPoolOptions {
  /** Maximum number of workers (default: min(4, CPUs)). */
  size?: number;
  /** V8 old-generation heap limit per worker, MiB (default 256). */
  maxOldGenerationSizeMb?: number;
  /** Extra wall-clock time on top of a job's CPU limit before its worker is killed, ms (default 5000). */
  graceMs?: number;
  /**
   * A worker with no job for this long is stopped, ms (default {@link IDLE_MS}); the next render starts one
   * again (about 0.1-0.2 s). An idle worker holds about 12 MiB of resident memory.
   */
  idleMs?: number;
}

/**
 * Default idle time before a worker stops: an operator whose releases use no EJS chart (or that renders them
 * only at each interval's drift check) returns the warm-up worker's memory soon after start-up, and a burst
 * of renders keeps its workers.
 */
export const IDLE_MS = 30_000;

interface Task {
  job: EjsJob;
  resolve: (r: EjsJobResult) => void;
  reject: (e: unknown) => void;
}

function tsxLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const entry = pkg.exports['./esm/api']?.import.default;
  if (entry === undefined) throw new Error('tsx does not export ./esm/api');
  return pathToFileURL(join(dirname(pkgPath), entry)).href;
}

/**
 * Young-generation cap per worker, MiB. A render allocates little that survives, so small semi-spaces cost a
 * few more scavenges and save resident memory: 4000 renders of a demo chart on two workers peaked at 159-163
 * MiB process RSS with 32 MiB, 118-120 MiB with 8 and 110 MiB with 4, in the same time (7-8 s).
 */
const YOUNG_GENERATION_MB = 4;

function startWorker(heapMb: number): Worker {
  const options: WorkerOptions = {
    env: {},
    execArgv: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, stackSizeMb: 4 },
  };
  const here = import.meta.url;
  if (here.endsWith('.js')) return new Worker(new URL('./worker.js', here), options);
  const boot =
    `import(${JSON.stringify(tsxLoaderUrl())}).then(function (m) { m.register(); ` +
    `return import(${JSON.stringify(new URL('./worker.ts', here).href)}); })` +
    `.catch(function (e) { process.nextTick(function () { throw e; }); });`;
  return new Worker(boot, { ...options, eval: true });
}

class Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  task: Task | undefined;
  dead = false;
  /** Context keys this worker rendered lately (it may hold warm contexts for them). */
  readonly recent: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(
    private readonly pool: EjsPool,
    private readonly heapMb: number,
    private readonly graceMs: number,
    private readonly idleMs: number,
  ) {
    this.worker = startWorker(heapMb);
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: WorkerMessage) => {
        if ('ready' in m) {
          resolve();
          if (this.task === undefined) this.idle();
        } else {
          this.finish(m);
        }
      });
      this.worker.on('error', (err) => {
        reject(err);
        this.die(this.describe(err));
      });
      this.worker.on('exit', (code) => {
        reject(new Error(`render worker exited with code ${code}`));
        this.die(new MaglevError(ErrorCode.RenderFailed, `the render worker exited (code ${code})`));
      });
    });
    this.ready.catch(() => undefined);
  }

  private describe(err: Error): MaglevError {
    if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new MaglevError(
        ErrorCode.RenderFailed,
        `template code exceeded the ${this.heapMb} MiB memory limit and was stopped`,
        { terminal: true, cause: err },
      );
    }
    return new MaglevError(ErrorCode.RenderFailed, `the render worker failed: ${errorMessage(err)}`, { cause: err });
  }

  run(task: Task): void {
    clearTimeout(this.idleTimer);
    this.task = task;
    this.worker.ref();
    const key = task.job.contextKey;
    if (!this.recent.includes(key)) this.recent.unshift(key);
    this.recent.length = Math.min(this.recent.length, 8);
    const limit = task.job.timeoutMs + this.graceMs;
    this.timer = setTimeout(() => {
      this.die(
        new MaglevError(ErrorCode.RenderFailed, `rendering did not finish within ${limit} ms; the render worker was stopped`, {
          terminal: true,
        }),
      );
    }, limit);
    const req: WorkerRequest = { id: this.nextId++, job: task.job };
    this.ready.then(
      () => {
        if (!this.dead) this.worker.postMessage(req);
      },
      () => undefined,
    );
  }

  private finish(m: { id: number; result: EjsJobResult }): void {
    const task = this.task;
    if (task === undefined) return;
    clearTimeout(this.timer);
    this.task = undefined;
    this.worker.unref();
    task.resolve(m.result);
    this.pool.dispatch();
    if (this.task === undefined) this.idle();
  }

  /** Stops this worker once it has had no job for idleMs (a job given meanwhile cancels that). */
  private idle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // With no task, die() rejects nothing: it only forgets and terminates the worker.
      if (this.task === undefined) this.die(new MaglevError(ErrorCode.RenderFailed, 'the render worker was idle'));
    }, this.idleMs);
    this.idleTimer.unref();
  }

  die(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    const task = this.task;
    this.task = undefined;
    this.pool.remove(this);
    void this.worker.terminate().catch(() => undefined);
    task?.reject(err);
    this.pool.dispatch();
  }
}

/** Runs EJS render jobs on worker threads; see the module comment for the isolation it adds. */
export class EjsPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly size: number;
  private readonly heapMb: number;
  private readonly graceMs: number;
  private readonly idleMs: number;

  constructor(options: EjsPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(4, availableParallelism()));
    this.heapMb = options.maxOldGenerationSizeMb ?? 256;
    this.graceMs = options.graceMs ?? 5000;
    this.idleMs = options.idleMs ?? IDLE_MS;
  }

  /** Workers running now (idle ones included). */
  workers(): number {
    return this.slots.length;
  }

  /** Renders one job; rejects with RenderFailed when the worker dies, runs out of memory or time. */
  render(job: EjsJob): Promise<EjsJobResult> {
    return new Promise<EjsJobResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts a worker (if none is running) and waits until it can take jobs. */
  async warmUp(): Promise<void> {
    const slot = this.slots.find((s) => !s.dead) ?? this.spawn();
    await slot.ready;
  }

  /** Terminates every worker; queued jobs are rejected. */
  async close(): Promise<void> {
    const err = new MaglevError(ErrorCode.RenderFailed, 'the render pool was closed');
    for (const t of this.queue.splice(0)) t.reject(err);
    await Promise.all(
      [...this.slots].map(async (s) => {
        s.die(err);
        await s.worker.terminate();
      }),
    );
  }

  /** @internal Hands queued jobs to idle workers, starting workers up to the pool size. */
  dispatch(): void {
    for (let task = this.queue[0]; task !== undefined; task = this.queue[0]) {
      const idle = this.slots.filter((s) => !s.dead && s.task === undefined);
      const key = task.job.contextKey;
      const slot =
        idle.find((s) => s.recent.includes(key)) ?? idle[0] ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (slot === undefined) return;
      this.queue.shift();
      slot.run(task);
    }
  }

  /** @internal Forgets a dead worker. */
  remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private spawn(): Slot {
    const slot = new Slot(this, this.heapMb, this.graceMs, this.idleMs);
    this.slots.push(slot);
    return slot;
  }
}

let shared: EjsPool | undefined;

/** The process-wide pool used by renderChart (created on first use). */
export function sharedEjsPool(): EjsPool {
  shared ??= new EjsPool();
  return shared;
}
