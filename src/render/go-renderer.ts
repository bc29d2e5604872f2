/**
 * The Go-template engine process: maglev-render (hack/renderer), Helm's own engine at the pinned helm
 * version, started once and reused for every render (JSON lines over stdin/stdout; see hack/renderer/main.go).
 * Renders run concurrently in it. `lookup` calls of a template come back to this process, which answers them
 * with the caller's function (the operator's client, as the release's identity), at most `maxLookups` per
 * render and `maxLookupBytes` of answers. A template cannot be stopped but by killing its process, so one
 * render's failure must not become its neighbours':
 * - a render past its deadline fails; the process is killed, and the renders that were running next to it
 *   are sent again, unchanged, to a new process (their own deadlines keep running);
 * - when the process dies on its own (memory cap, crash, killed from outside) with one render in flight,
 *   that render fails (for good when it hit the memory cap); with several in flight, the culprit cannot be
 *   told, so each is run again alone, one after the other, before any new render starts: the culprit dies
 *   again alone and fails, the others succeed.
 * A process that exits is started again on the next render.
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

/** One render from the caller's call until it settles, across the processes it may be sent to. */
interface Pending {
  req: GoRenderRequest;
  resolve: (files: Record<string, string>) => void;
  reject: (err: Error) => void;
  lookups: number;
  lookupBytes: number;
  timer: ReturnType<typeof setTimeout>;
  /** The id it runs under in the current process; undefined while it waits to be sent. */
  id?: number;
  /** It runs alone (after a process died with it and others in flight): dying again makes it the culprit. */
  alone?: boolean;
  /** Times it was sent again after a neighbour's deadline killed its process. */
  resent: number;
  settled: boolean;
}

/** Times a render is sent again because other renders' deadlines killed its process. */
const MAX_RESENDS = 3;

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
  /** Set while renders that must run alone are run: new renders wait for it. */
  private gate: Promise<void> | undefined;
  private nextId = 1;
  private stderr = '';

  constructor(
    private readonly options: { bin?: string; limits?: Partial<LookupLimits> } = {},
  ) {}

  /** Renders one chart group; resolves Helm's template path → rendered text (NOTES.txt included). */
  render(req: GoRenderRequest): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const p: Pending = { req, resolve, reject, lookups: 0, lookupBytes: 0, resent: 0, settled: false, timer: setTimeout(() => this.expire(p), req.timeoutMs) };
      void this.send(p);
    });
  }

  /** Settles `p` once (clearing its deadline and removing it from the process it runs in). */
  private settle(p: Pending, outcome: { files: Record<string, string> } | { error: Error }): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    if (p.id !== undefined) this.pending.delete(p.id);
    p.id = undefined;
    this.hold();
    if ('files' in outcome) p.resolve(outcome.files);
    else p.reject(outcome.error);
  }

  /** The deadline of `p` passed: it fails; if it was running, its process is killed (see the module comment). */
  private expire(p: Pending): void {
    const running = p.id !== undefined;
    this.settle(p, { error: new MaglevError(ErrorCode.RenderFailed, `rendering took longer than ${Math.round(p.req.timeoutMs / 1000)}s; the chart's templates did not finish`, { terminal: true }) });
    if (running) this.restart();
  }

  /** Sends `p` to the process (started if needed), after the renders that must run alone, unless it is one. */
  private async send(p: Pending): Promise<void> {
    while (!p.alone && this.gate !== undefined) await this.gate;
    let proc: Proc;
    try {
      proc = await this.process();
    } catch (err) {
      this.settle(p, { error: err instanceof Error ? err : new Error(String(err)) });
      return;
    }
    if (p.settled) return;
    const id = this.nextId++;
    p.id = id;
    p.lookups = 0;
    p.lookupBytes = 0;
    this.pending.set(id, p);
    this.hold();
    const { req } = p;
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
  }

  /** Takes every render out of the current process (which is gone or going), for sending again or failing. */
  private takeInFlight(): Pending[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    for (const p of out) p.id = undefined;
    this.hold();
    return out;
  }

  /** Runs each of `suspects` alone, one after the other; new renders wait until they are done. */
  private runAlone(suspects: Pending[]): void {
    const previous = this.gate;
    const run = (async () => {
      await previous;
      for (const p of suspects) {
        if (p.settled) continue;
        p.alone = true;
        await new Promise<void>((done) => {
          const { resolve, reject } = p;
          p.resolve = (files) => (resolve(files), done());
          p.reject = (err) => (reject(err), done());
          void this.send(p);
        });
      }
    })();
    const gate: Promise<void> = run.finally(() => {
      if (this.gate === gate) this.gate = undefined;
    });
    this.gate = gate;
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
    const proc = this.proc;
    this.proc = undefined;
    this.failAll(this.takeInFlight(), 'the renderer was closed');
    proc?.kill('SIGKILL');
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
      const inFlight = this.takeInFlight();
      const why = outOfMemory
        ? 'the chart\'s templates used more memory than the renderer allows (3 GiB address space): an output or data bomb'
        : `the renderer exited (${signal ?? `code ${code ?? '?'}`})${this.stderr === '' ? '' : `: ${this.stderr.trim().slice(0, 300)}`}`;
      this.stderr = '';
      // Alone in flight (or run alone after such a death), a render is the cause: it fails, for good when it
      // hit the memory cap. Several in flight: each runs again alone (see the module comment).
      const culprits = inFlight.length === 1 ? inFlight : inFlight.filter((p) => p.alone === true);
      this.failAll(culprits, why, outOfMemory);
      const suspects = inFlight.filter((p) => !culprits.includes(p));
      if (suspects.length > 0) this.runAlone(suspects);
    });
    proc.on('error', (err) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.failAll(this.takeInFlight(), `the renderer could not run: ${err.message}`);
    });
    this.proc = proc;
    return proc;
  }

  /** Kills the process after a render passed its deadline; the renders running next to it are sent again. */
  private restart(): void {
    const proc = this.proc;
    this.proc = undefined;
    proc?.kill('SIGKILL');
    const others = this.takeInFlight();
    this.failAll(others.filter((p) => p.resent >= MAX_RESENDS), `other renders passed their deadlines ${MAX_RESENDS + 1} times while this one ran; try again`);
    for (const p of others.filter((o) => !o.settled)) {
      p.resent += 1;
      void this.send(p);
    }
  }

  private failAll(renders: readonly Pending[], message: string, terminal = false): void {
    for (const p of renders) this.settle(p, { error: new MaglevError(ErrorCode.RenderFailed, message, { terminal }) });
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
    if (reply.error !== undefined && reply.error !== '') this.settle(p, { error: new MaglevError(ErrorCode.RenderFailed, reply.error, { terminal: true }) });
    else this.settle(p, { files: reply.files ?? {} });
  }

  private async answer(proc: Proc, q: Reply, p: Pending): Promise<void> {
    const maxLookups = this.options.limits?.maxLookups ?? LOOKUP_LIMITS.maxLookups;
    const maxBytes = this.options.limits?.maxLookupBytes ?? LOOKUP_LIMITS.maxLookupBytes;
    const send = (body: Record<string, unknown>): void => {
      proc.stdin.write(`${JSON.stringify({ type: 'lookupResult', id: q.id, seq: q.seq, ...body })}\n`);
    };
    p.lookups += 1;
    const lookup = p.req.lookup;
    const req = { apiVersion: q.apiVersion ?? '', kind: q.kind ?? '', namespace: q.namespace ?? '', name: q.name ?? '' };
    if (lookup === undefined) return send({ found: false });
    if (p.lookups > maxLookups) return send({ error: `more than ${maxLookups} lookup calls in one render` });
    try {
      const obj = await lookup(req);
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
