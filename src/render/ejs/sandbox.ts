/**
 * The sandbox a render worker runs template code in: a fresh `vm` context per job, created over a
 * null-prototype object (so no host `Object`/`Function` is reachable through the global), holding only
 * ECMAScript built-ins and code evaluated inside it. Data goes in as one JSON string and comes out as one;
 * wasm is off, microtasks run inside the time limit, and no value from the context is trusted.
 *
 * `import()` must be answered by us: without a callback Node rejects it with a host-realm TypeError whose
 * `constructor.constructor` is the host `Function` (a sandbox escape). Our callback throws a primitive,
 * which needs `--experimental-vm-modules`; the worker is started with it and the constructor checks it.
 */
import { isRecord } from '../../runtime/object.js';
import vm from 'node:vm';
import { types } from 'node:util';
import { TemplateCache, TemplateSyntaxError } from './compile.js';
import type { EjsJob, EjsJobResult } from './protocol.js';
import { runtimeSource } from './runtime/index.js';
import type { LookupRequest, TemplateOutput } from '../types.js';

/** The answer to every `import()` in template code: a primitive, so no host object reaches the sandbox. */
function denyImport(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a primitive carries no host realm
  throw 'import() is not available in templates';
}

function failure(file: string, line: number, message: string): EjsJobResult {
  return { ok: false, error: { file, line, message } };
}

function ownValue(obj: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(obj, key)?.value;
}

/** Checks the driver's JSON answer (host-realm data after JSON.parse) against the result shape. */
function parseResult(json: string, charts: number): { ok: boolean; tainted: boolean; result: EjsJobResult } {
  const fail = (result: EjsJobResult) => ({ ok: false, tainted: true, result });
  const bad = fail(failure('', 0, 'the renderer returned a malformed result'));
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    return fail(failure('', 0, `the renderer returned invalid JSON: ${String(err)}`));
  }
  if (!isRecord(v)) return bad;
  if (v.ok === false && isRecord(v.error)) {
    const e = v.error;
    return fail(failure(String(e.file), Number(e.line) || 0, String(e.message)));
  }
  if (v.ok !== true || !Array.isArray(v.charts) || v.charts.length !== charts) return bad;
  const out: { outputs: TemplateOutput[]; notes: string | null }[] = [];
  for (const c of v.charts as unknown[]) {
    if (!isRecord(c) || !Array.isArray(c.outputs)) return bad;
    const outputs: TemplateOutput[] = [];
    for (const o of c.outputs as unknown[]) {
      if (!isRecord(o) || typeof o.source !== 'string' || typeof o.text !== 'string') return bad;
      outputs.push({ source: o.source, text: o.text });
    }
    out.push({ outputs, notes: typeof c.notes === 'string' ? c.notes : null });
  }
  const missing: LookupRequest[] = [];
  for (const m of Array.isArray(v.missing) ? (v.missing as unknown[]) : []) {
    if (!isRecord(m) || ![m.apiVersion, m.kind, m.namespace, m.name].every((f) => typeof f === 'string')) return bad;
    missing.push({ apiVersion: m.apiVersion as string, kind: m.kind as string, namespace: m.namespace as string, name: m.name as string });
  }
  const result: EjsJobResult = missing.length === 0 ? { ok: true, charts: out } : { ok: true, charts: out, missing };
  return { ok: true, tainted: v.tainted !== false, result };
}

/** A context kept for later renders with the same key, with its instantiated template functions. */
interface Warm {
  ctx: vm.Context;
  fns: Map<vm.Script, unknown>;
  uses: number;
}

/** Contexts kept per worker (least recently used dropped first), and renders per context. */
const MAX_CONTEXTS = 8;
const MAX_USES = 500;

/**
 * Renders EJS jobs in hardened vm contexts; one instance per worker thread. A context is reused only for
 * the same `contextKey` (one namespace, i.e. one tenant), only after a successful render that left the
 * global object as it was (see runtime/lockdown.ts), and at most MAX_USES times; anything else gets a
 * fresh context.
 */
export class Sandbox {
  private readonly runtime: vm.Script;
  private readonly call: vm.Script;
  private readonly cache = new TemplateCache(denyImport);
  private readonly contexts = new Map<string, Warm>();
  private spare: Warm | undefined;

  constructor() {
    if (typeof (vm as { SourceTextModule?: unknown }).SourceTextModule !== 'function') {
      throw new Error('the template sandbox needs --experimental-vm-modules (run it through the render worker)');
    }
    this.runtime = new vm.Script(runtimeSource(), { filename: 'maglev-render-runtime.js', importModuleDynamically: denyImport });
    this.call = new vm.Script('__maglevRender()', { filename: 'maglev-render-call.js', importModuleDynamically: denyImport });
  }

  /** Creates the context for the next new release ahead of time (call when idle). */
  prepare(): void {
    this.spare ??= this.newContext();
  }

  private newContext(): Warm {
    const ctx = vm.createContext(Object.create(null) as object, {
      name: 'maglev-template',
      codeGeneration: { strings: true, wasm: false },
      microtaskMode: 'afterEvaluate',
      importModuleDynamically: denyImport,
    });
    this.runtime.runInContext(ctx);
    return { ctx, fns: new Map(), uses: 0 };
  }

  private take(key: string): Warm {
    const warm = this.contexts.get(key);
    if (warm !== undefined) {
      this.contexts.delete(key);
      return warm;
    }
    const spare = this.spare ?? this.newContext();
    this.spare = undefined;
    return spare;
  }

  private keep(key: string, warm: Warm): void {
    warm.uses++;
    if (warm.uses >= MAX_USES) return;
    this.contexts.set(key, warm);
    if (this.contexts.size > MAX_CONTEXTS) {
      const oldest = this.contexts.keys().next().value;
      if (oldest !== undefined) this.contexts.delete(oldest);
    }
  }

  /** Runs one job to completion or failure; never throws for anything template code does. */
  render(job: EjsJob): EjsJobResult {
    const warm = this.take(job.contextKey);
    const sandbox: Record<string, unknown> = warm.ctx;
    let n = 0;
    const charts = [];
    try {
      for (const ch of job.charts) {
        const templates: { path: string; fn: number; text: string }[] = [];
        for (const t of ch.templates) {
          let script: vm.Script;
          try {
            script = this.cache.get(t.text, ch.rel + t.path, job.maxOutput);
          } catch (err) {
            if (err instanceof TemplateSyntaxError) return failure(err.file, err.line, err.message);
            throw err;
          }
          let fn = warm.fns.get(script);
          if (fn === undefined) {
            fn = Object.freeze(script.runInContext(warm.ctx) as object);
            warm.fns.set(script, fn);
          }
          sandbox[`__maglevT${n}`] = fn;
          templates.push({ path: t.path, fn: n++, text: t.text });
        }
        charts.push({ ...ch, templates });
      }
      sandbox.__maglevInput = JSON.stringify({ ...job, charts });
      const result = this.run(warm, job);
      if (result.ok && !result.tainted) this.keep(job.contextKey, warm);
      return result.result;
    } finally {
      for (let i = 0; i < n; i++) delete sandbox[`__maglevT${i}`];
      delete sandbox.__maglevInput;
      delete sandbox.__maglevCurrent;
    }
  }

  private run(warm: Warm, job: EjsJob): { ok: boolean; tainted: boolean; result: EjsJobResult } {
    const sandbox: Record<string, unknown> = warm.ctx;
    let result: unknown;
    try {
      result = this.call.runInContext(warm.ctx, { timeout: job.timeoutMs });
    } catch (err) {
      const current = ownValue(sandbox, '__maglevCurrent');
      const file = typeof current === 'string' ? current : '';
      const message =
        types.isNativeError(err) && ownValue(err, 'code') === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
          ? `template code ran longer than ${job.timeoutMs} ms and was stopped`
          : 'template code broke out of the renderer and was stopped';
      return { ok: false, tainted: true, result: failure(file, 0, message) };
    }
    if (typeof result !== 'string') return { ok: false, tainted: true, result: failure('', 0, 'the renderer returned no result') };
    if (result.length > 2 * job.maxOutput + 1_048_576) {
      return { ok: false, tainted: true, result: failure('', 0, `rendered output exceeds ${job.maxOutput} characters`) };
    }
    return parseResult(result, job.charts.length);
  }
}
