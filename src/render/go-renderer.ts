/**
 * The Go-template engine process: maglev-render (hack/renderer), Helm's own engine at the pinned helm
 * version, started once and reused for every render (JSON lines over stdin/stdout; see hack/renderer/main.go).
 * Renders run concurrently in it. `lookup` calls of a template come back to this process, which answers them
 * with the caller's function (the operator's client, as the release's identity), at most `maxLookups` per
 * render and `maxLookupBytes` of answers. A render past its deadline fails, and the process is killed and
 * started again on the next render (a template cannot be stopped otherwise); renders that were running in it
 * fail with a retryable error. A process that exits is started again on the next render.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, MaglevError } from '../errors.js';
import { findRenderer } from './helm-bin.js';
import { describeLookup, LOOKUP_LIMITS, type LookupFn, type LookupLimits, type ReleaseInfo } from './types.js';

/** One render request. */
export interface GoRenderRequest {
  /** The chart group as a .tgz (render/helm-package.ts). */
  archive: Buffer;
  values: Record<string, unknown>;
  release: ReleaseInfo;
  kubeVersion: string;
  apiVersions: readonly string[];
  /** Serves `lookup`; without it `lookup` returns an empty map, as in `helm template`. */
  lookup?: LookupFn;
  timeoutMs: number;
}

interface Pending {
  resolve: (files: Record<string, string>) => void;
  reject: (err: Error) => void;
  lookup?: LookupFn;
  lookups: number;
  lookupBytes: number;
  timer: ReturnType<typeof setTimeout>;
}

interface Reply {
  type: string;
  id: number;
  seq?: number;
  files?: Record<string, string>;
  error?: string;
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

type Proc = ChildProcessByStdio<Writable, Readable, Readable>;

/** The renderer process client; see the module comment. */
export class GoRenderer {
  private proc: Proc | undefined;
  private starting: Promise<Proc> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';

  constructor(
    private readonly options: { bin?: string; limits?: Partial<LookupLimits> } = {},
  ) {}

  /** Renders one chart group; resolves Helm's template path → rendered text (NOTES.txt included). */
  async render(req: GoRenderRequest): Promise<Record<string, string>> {
    const proc = await this.process();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.hold();
        reject(new MaglevError(ErrorCode.RenderFailed, `rendering took longer than ${Math.round(req.timeoutMs / 1000)}s; the chart's templates did not finish`, { terminal: true }));
        this.restart('a render passed its deadline');
      }, req.timeoutMs);
      const p: Pending = { resolve, reject, lookups: 0, lookupBytes: 0, timer };
      if (req.lookup !== undefined) p.lookup = req.lookup;
      this.pending.set(id, p);
      this.hold();
      const line = JSON.stringify({
        type: 'render',
        id,
        chart: req.archive.toString('base64'),
        values: req.values,
        release: req.release,
        kubeVersion: req.kubeVersion,
        apiVersions: req.apiVersions,
        lookup: req.lookup !== undefined,
      });
      proc.stdin.write(`${line}\n`);
    });
  }

  /** The process id of the running engine process, if one runs (for its memory in benchmarks). */
  pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Keeps the event loop alive while renders are pending, and lets an idle process not hold it. */
  private hold(): void {
    const proc = this.proc;
    if (proc === undefined) return;
    const busy = this.pending.size > 0;
    for (const h of [proc, proc.stdout, proc.stdin, proc.stderr] as { ref?: () => void; unref?: () => void }[]) {
      if (busy) h.ref?.();
      else h.unref?.();
    }
  }

  /** Stops the process (operator shutdown); pending renders fail. */
  close(): Promise<void> {
    this.restart('the renderer was closed');
    return Promise.resolve();
  }

  private async process(): Promise<Proc> {
    if (this.proc !== undefined) return this.proc;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async start(): Promise<Proc> {
    const bin = await findRenderer(this.options.bin);
    const proc = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', GOMAXPROCS: process.env.GOMAXPROCS ?? '' } });
    proc.stdin.on('error', () => undefined);
    let outOfMemory = false;
    proc.stderr.on('data', (b: Buffer) => {
      const text = b.toString();
      // Go prints "fatal error: out of memory" first, then every goroutine's stack: keep the verdict apart.
      if (/out of memory|cannot allocate memory/.test(text)) outOfMemory = true;
      this.stderr = (this.stderr + text).slice(-4096);
    });
    createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(proc, line));
    proc.on('exit', (code, signal) => {
      // A process this client killed and replaced already failed its renders; later ones belong to the new one.
      if (this.proc !== proc) return;
      this.proc = undefined;
      if (outOfMemory) {
        // The templates of a render grew past the engine's memory cap. Alone in flight, that render is the
        // cause: it fails for good. With others in flight, each is retried (the cause fails again alone).
        this.failAll('the chart\'s templates used more memory than the renderer allows (3 GiB address space): an output or data bomb', this.pending.size === 1);
      } else {
        this.failAll(`the renderer exited (${signal ?? `code ${code ?? '?'}`})${this.stderr === '' ? '' : `: ${this.stderr.trim().slice(0, 300)}`}`);
      }
      this.stderr = '';
    });
    proc.on('error', (err) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.failAll(`the renderer could not run: ${err.message}`);
    });
    this.proc = proc;
    return proc;
  }

  private restart(why: string): void {
    const proc = this.proc;
    this.proc = undefined;
    this.failAll(`${why}; renders in progress are retried`);
    proc?.kill('SIGKILL');
  }

  private failAll(message: string, terminal = false): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new MaglevError(ErrorCode.RenderFailed, message, { terminal }));
    }
  }

  private onLine(proc: Proc, line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return;
    }
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    if (reply.type === 'lookup') {
      void this.answer(proc, reply, p);
      return;
    }
    if (reply.type !== 'result') return;
    clearTimeout(p.timer);
    this.pending.delete(reply.id);
    this.hold();
    if (reply.error !== undefined && reply.error !== '') p.reject(new MaglevError(ErrorCode.RenderFailed, reply.error, { terminal: true }));
    else p.resolve(reply.files ?? {});
  }

  private async answer(proc: Proc, q: Reply, p: Pending): Promise<void> {
    const maxLookups = this.options.limits?.maxLookups ?? LOOKUP_LIMITS.maxLookups;
    const maxBytes = this.options.limits?.maxLookupBytes ?? LOOKUP_LIMITS.maxLookupBytes;
    const send = (body: Record<string, unknown>): void => {
      proc.stdin.write(`${JSON.stringify({ type: 'lookupResult', id: q.id, seq: q.seq, ...body })}\n`);
    };
    p.lookups += 1;
    const req = { apiVersion: q.apiVersion ?? '', kind: q.kind ?? '', namespace: q.namespace ?? '', name: q.name ?? '' };
    if (p.lookup === undefined) return send({ found: false });
    if (p.lookups > maxLookups) return send({ error: `more than ${maxLookups} lookup calls in one render` });
    try {
      const obj = await p.lookup(req);
      if (obj === undefined) return send({ found: false });
      const text = JSON.stringify(obj);
      p.lookupBytes += Buffer.byteLength(text);
      if (p.lookupBytes > maxBytes) return send({ error: `lookup answers of one render exceed ${maxBytes} bytes` });
      proc.stdin.write(`{"type":"lookupResult","id":${q.id},"seq":${q.seq ?? 0},"found":true,"object":${text}}\n`);
    } catch (err) {
      send({ error: `${describeLookup(req)}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}

const shared = new Map<string, GoRenderer>();

/** The process-wide renderer (one per binary path; '' or undefined: the one found the usual way). */
export function sharedGoRenderer(bin?: string): GoRenderer {
  const key = bin ?? '';
  let r = shared.get(key);
  if (r === undefined) {
    r = new GoRenderer(bin === undefined || bin === '' ? {} : { bin });
    shared.set(key, r);
  }
  return r;
}

/** Stops every shared renderer process (shutdown, or the end of a CLI command). */
export async function closeGoRenderers(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((r) => r.close()));
}
