import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, MaglevError } from '../../errors.js';
import { memChart, render } from '../testdata/fixtures.js';
import { EjsPool } from './pool.js';

const pool = new EjsPool({ size: 2 });
const dir = mkdtempSync(join(tmpdir(), 'maglev-isolation-'));
const secretFile = join(dir, 'token');
writeFileSync(secretFile, 'TOP-SECRET-TOKEN');
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

const cm = (body: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: "<%= ${body} %>"\n`;

async function rejection(tpl: string, values: Record<string, unknown> = {}, options = {}): Promise<MaglevError> {
  const started = Date.now();
  let result: unknown;
  try {
    result = await render(pool, memChart('evil', { 'templates/x.yaml.ejs': tpl }), values, options);
  } catch (err) {
    if (!(err instanceof MaglevError)) throw err;
    expect(err.code).toBe(ErrorCode.RenderFailed);
    expect(Date.now() - started).toBeLessThan(15_000);
    return err;
  }
  throw new Error(`render succeeded with ${JSON.stringify(result)}`);
}

describe('template code cannot reach the host', () => {
  it.each([
    ['process.env', 'process.env.HOME'],
    ['globalThis.process', 'globalThis.process.env.PATH'],
    ['this.constructor.constructor', 'this.constructor.constructor("return process")().env'],
    ['the global object’s constructor', '(function () { return this })().constructor.constructor("return process")().env'],
    ['the global prototype', 'Object.getPrototypeOf(globalThis).constructor.constructor("return process")().env'],
    ['a helper’s constructor', 'include.constructor("return process")().env'],
    ['a scope object’s constructor', 'Values.constructor.constructor("return process")().env'],
    ['Files’ constructor', 'Files.get.constructor.constructor("return process")().env'],
    ['eval', 'eval("process").env'],
    ['indirect eval', '(0, eval)("process").env'],
    ['require', 'require("fs").readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/token")'],
    ['module', 'module.require("fs")'],
    ['process.binding', 'process.binding("fs")'],
    ['Buffer', 'Buffer.from("x")'],
    ['console', 'console.log("x")'],
    ['WebAssembly', 'new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))'],
  ])('%s fails with RenderFailed', async (_name, expr) => {
    await rejection(cm(expr));
  });

  it('cannot read files outside the chart by any template route', async () => {
    const routes = [
      `Files.get(${JSON.stringify(secretFile)})`,
      `Files.get("../../../../../..${secretFile}")`,
      `Object.values(Files.glob("**")).join()`,
      `b64dec(b64enc(Files.get(${JSON.stringify(secretFile)})))`,
    ];
    const r = await render(pool, memChart('evil', { 'templates/x.yaml.ejs': cm(routes.join(' + "|" + ')), 'a.txt': 'chart file' }));
    expect(r.manifest).not.toContain('TOP-SECRET');
    expect(r.objects[0]?.object.data).toEqual({ v: '||chart file|' });
    await rejection(cm(`include("../../../../../..${secretFile}")`));
    await rejection(cm(`include(${JSON.stringify(secretFile)})`));
  });

  it('gets no host object from import(), errors, stack traces or promises (no file written, no process spawned)', async () => {
    const marker = join(dir, 'escaped');
    const payload = `<%
      const marker = Values.marker;
      const tryHost = (o, tag) => {
        try {
          const F = o.constructor.constructor;
          F('return import("node:fs")')().then((fs) => fs.writeFileSync(marker, tag), () => undefined);
          F('return import("node:child_process")')().then((cp) => cp.execFileSync('touch', [marker]), () => undefined);
          const proc = F('return process')();
          proc.getBuiltinModule('node:fs').writeFileSync(marker, tag);
          proc.getBuiltinModule('node:child_process').execFileSync('touch', [marker]);
        } catch (e) {}
      };
      import('node:fs').then((fs) => fs.writeFileSync(marker, 'import'), (e) => tryHost(e, 'import-error'));
      new Function('return import("node:fs")')().catch((e) => tryHost(e, 'fn-import-error'));
      eval('import("node:fs")').catch((e) => tryHost(e, 'eval-import-error'));
      Error.prepareStackTrace = (e, sites) => sites;
      const sites = new Error().stack;
      for (const s of sites) { tryHost(s, 'callsite'); try { tryHost(s.getThis(), 'this'); tryHost(s.getFunction(), 'fn'); } catch (e) {} }
      try { (function f() { f(); })(); } catch (e) { tryHost(e, 'stack-overflow'); }
      try { JSON.parse('{'); } catch (e) { tryHost(e, 'json'); }
      WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).catch((e) => tryHost(e, 'wasm'));
      [this, globalThis, Values, Files, include, tpl, toYaml, Capabilities.APIVersions, Object.getPrototypeOf(globalThis)].forEach((o, i) => tryHost(o, 'obj' + i));
    %>`;
    const r = await render(pool, memChart('evil', { 'templates/x.yaml.ejs': payload }), { marker });
    expect(r.objects).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(marker)).toBe(false);
  });

  it('sees only sandbox-realm objects from its scope and global object', async () => {
    const audit = `<%
      const OP = Object.prototype, seen = new Set(), bad = [];
      const queue = [[globalThis, 'globalThis'], [this, 'this']];
      for (const k of Object.keys(locals)) queue.push([locals[k], 'locals.' + k]);
      queue.push([lookup('v1', 'Secret', 'ns', 'db'), 'lookup answer']);
      const root = (o) => { let p = o; for (let i = 0; i < 100; i++) { const q = Object.getPrototypeOf(p); if (q === null) return p; p = q; } return p; };
      while (queue.length > 0) {
        const [o, path] = queue.shift();
        if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
        seen.add(o);
        const r = root(o);
        if (r !== OP && r !== o) bad.push(path);
        if (typeof o === 'function' && Object.getPrototypeOf(o.constructor) !== Object.getPrototypeOf(Function)) bad.push(path + '.constructor');
        const p = Object.getPrototypeOf(o);
        if (p) queue.push([p, path + '.__proto__']);
        for (const k of Reflect.ownKeys(o)) {
          const d = Object.getOwnPropertyDescriptor(o, k);
          const key = path + '.' + String(k);
          if (d && 'value' in d) queue.push([d.value, key]);
          if (d && d.get) queue.push([d.get, key + '(get)']);
        }
      }
      if (Object.getPrototypeOf(globalThis.constructor) !== Function.prototype) bad.push('global fallthrough constructor');
      if (globalThis.__proto__ !== Object.getPrototypeOf(globalThis)) bad.push('global fallthrough __proto__');
      for (const k of Object.getOwnPropertyNames(OP)) {
        const v = globalThis[k];
        if (v !== undefined && v !== OP[k] && k !== 'constructor' && k !== '__proto__') bad.push('global fallthrough ' + k);
      }
    %>apiVersion: v1
kind: ConfigMap
metadata:
  name: audit
data:
  bad: <%= JSON.stringify(bad.join(',')) %>
  seen: "<%= seen.size %>"
`;
    // A lookup answer is data the host fetched: the template must get it as sandbox-realm objects too.
    const lookup = () => Promise.resolve({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', labels: { a: 'b' } }, data: { k: 'dg==' }, list: [1, { x: null }] });
    const r = await render(pool, memChart('evil', { 'templates/x.yaml.ejs': audit }), { a: [1, { b: 'c' }] }, {}, { lookup });
    const data = r.objects[0]?.object.data as { bad: string; seen: string };
    expect(data.bad).toBe('');
    expect(Number(data.seen)).toBeGreaterThan(500);
  });
});

describe('renders of a release share nothing', () => {
  it('leaves no state behind: globals, built-ins and helpers are the same for the next render', async () => {
    const tpl = `<%
      globalThis.counter = (globalThis.counter || 0) + 1;
      Object.prototype.polluted = 'yes';
      Array.prototype.push = null;
      JSON.stringify = () => 'hacked';
      try { Object.defineProperty(String.prototype, 'x', { value: 1 }); } catch (e) {}
      try { quote.hacked = 1; toYaml.call = null; } catch (e) {}
    %>apiVersion: v1
kind: ConfigMap
metadata:
  name: state
data:
  counter: "<%= globalThis.counter %>"
  polluted: "<%= ({}).polluted %>"
  json: <%= quote(JSON.stringify([1])) %>
  x: "<%= ''.x %>"
`;
    const chart = memChart('stateful', { 'templates/x.yaml.ejs': tpl });
    const first = await render(pool, chart);
    const second = await render(pool, chart);
    expect(first.objects[0]?.object.data).toEqual({ counter: '1', polluted: '', json: '[1]', x: '' });
    expect(second.manifest).toBe(first.manifest);
  });
});

describe('runaway templates are stopped', () => {
  it.each([
    ['an endless loop', '<% while (true) {} %>', /ran longer than 1000 ms/],
    ['an endless microtask', '<% Promise.resolve().then(function f() { while (true) {} }) %>', /ran longer than 1000 ms/],
    ['a backtracking RegExp (template code is stopped by the deadline, like a loop)', '<% /^(a+)+$/.test("a".repeat(40) + "!") %>', /ran longer than 1000 ms/],
    ['Atomics.wait (removed)', '<% Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) %>', /Atomics is not defined|SharedArrayBuffer is not defined/],
    ['an output bomb', '<% for (;;) { %>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx<% } %>', /exceeds 1048576 characters/],
    ['a huge string', '<%= "x".repeat(2 ** 30) %>', /RangeError/],
    ['deep recursion', '<% (function f() { f() })() %>', /Maximum call stack size exceeded/],
  ])('%s', async (_name, tpl, msg) => {
    const err = await rejection(tpl, {}, { timeoutMs: 1000, maxOutputBytes: 1024 * 1024 });
    expect(err.message).toMatch(msg);
  });

  it('stops a memory bomb at the heap limit and keeps serving renders', async () => {
    const small = new EjsPool({ size: 1, maxOldGenerationSizeMb: 64 });
    try {
      const bomb = '<% const a = []; for (;;) a.push(new Array(100000).fill({ x: 1 })) %>';
      await expect(render(small, memChart('evil', { 'templates/x.yaml.ejs': bomb }), {}, { timeoutMs: 20_000 })).rejects.toThrow(
        /memory limit|ran longer/,
      );
      const ok = await render(small, memChart('fine', { 'templates/x.yaml.ejs': cm('"ok"') }));
      expect(ok.objects).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it('renders normally after a timeout in the same pool', async () => {
    await rejection('<% while (true) {} %>', {}, { timeoutMs: 200 });
    const ok = await render(pool, memChart('fine', { 'templates/x.yaml.ejs': cm('"ok"') }));
    expect(ok.objects[0]?.object.data).toEqual({ v: 'ok' });
  });
});
