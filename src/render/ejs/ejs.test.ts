import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, MaglevError } from '../../errors.js';
import { memChart, render } from '../testdata/fixtures.js';
import { EjsPool } from './pool.js';

const pool = new EjsPool({ size: 2 });
afterAll(() => pool.close());

const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n${data}`;

async function data(tpl: string, values: Record<string, unknown> = {}, files: Record<string, string> = {}): Promise<unknown> {
  const r = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': cm(tpl), ...files }), values);
  return r.objects[0]?.object.data;
}

async function renderError(files: Record<string, string>, values: Record<string, unknown> = {}): Promise<MaglevError> {
  try {
    await render(pool, memChart('demo', files), values);
  } catch (err) {
    if (err instanceof MaglevError) return err;
    throw err;
  }
  throw new Error('render succeeded');
}

describe('EJS scope', () => {
  it.each([
    ['Values', '  v: <%= Values.a.b %>', { v: 'x' }],
    ['Release', '  v: <%= [Release.Name, Release.Namespace, Release.Revision, Release.IsInstall, Release.IsUpgrade, Release.Service].join("/") %>', { v: 'rel/ns/3/true/false/maglev-operator' }],
    ['Chart', '  v: <%= [Chart.Name, Chart.Version, Chart.AppVersion, Chart.APIVersion].join("/") %>', { v: 'demo/1.0.0/2.0.0/v2' }],
    ['KubeVersion', '  v: <%= [Capabilities.KubeVersion.Version, Capabilities.KubeVersion.Major, Capabilities.KubeVersion.Minor].join("/") %>', { v: 'v1.30.2/1/30' }],
    ['APIVersions', '  v: "<%= [Capabilities.APIVersions.has("apps/v1"), Capabilities.APIVersions.has("example.com/v1/Widget"), Capabilities.APIVersions.has("nope/v1")] %>"', { v: 'true,true,false' }],
    ['Template', '  v: <%= Template.Name %> <%= Template.BasePath %>', { v: 'demo/templates/cm.yaml demo/templates' }],
    ['Files.get', '  v: <%= quote(Files.get("conf/a.txt")) %>', { v: 'line1\nline2\n' }],
    ['Files.lines', '  v: "<%= Files.lines("conf/a.txt").length %>"', { v: '2' }],
    ['Files.getBytes', '  v: "<%= Files.getBytes("conf/a.txt").length %>"', { v: '12' }],
    ['Files.glob', '  v: <%= quote(Object.keys(Files.glob("conf/*.txt")).join(",")) %>', { v: 'conf/a.txt,conf/b.txt' }],
    ['missing file', '  v: "<%= Files.get("nope") %>"', { v: '' }],
  ])('%s', async (_name, tpl, want) => {
    const files = { 'conf/a.txt': 'line1\nline2\n', 'conf/b.txt': 'b', 'conf/sub/c.txt': 'c' };
    expect(await data(tpl, { a: { b: 'x' } }, files)).toEqual(want);
  });

  it('does not HTML-escape <%= %> and trims after -%>', async () => {
    expect(await data('  a: <%= "\\"<&>\\"" %>\n<% if (true) { -%>\n  b: "x"\n<% } -%>\n')).toEqual({ a: '<&>', b: 'x' });
  });

  it('includes partials relative to templates/ without trailing newlines, with extra locals', async () => {
    const files = { 'templates/_name.ejs': '<%= Release.Name %>-<%= suffix %>\n\n', 'templates/sub/_x.ejs': 'X' };
    expect(await data('  a: <%= include("_name.ejs", { suffix: "s" }) %>\n  b: <%= include("sub/_x") %>', {}, files)).toEqual({ a: 'rel-s', b: 'X' });
  });

  it('keeps extra locals visible in nested includes and tpl', async () => {
    const files = {
      'templates/_outer.ejs': '<%= include("_inner.ejs") %>/<%= tpl(Values.t) %>',
      'templates/_inner.ejs': '<%= who %>-<%= locals.who %>',
    };
    expect(await data('  a: <%= include("_outer.ejs", { who: "me", "not-an-identifier": 1 }) %>', { t: '<%= who %>' }, files)).toEqual({ a: 'me-me/me' });
  });

  it('renders tpl strings with the scope plus extra', async () => {
    expect(await data('  a: <%= tpl(Values.t, { n: 2 }) %>', { t: '<%= Release.Name %>-<%= n %>' })).toEqual({ a: 'rel-2' });
  });

  it('renders NOTES.txt.ejs into notes and never outputs partials', async () => {
    const r = await render(pool, memChart('demo', { 'templates/NOTES.txt.ejs': 'Hello <%= Release.Name %>', 'templates/_p.ejs': 'garbage: [' }));
    expect(r.notes).toBe('Hello rel');
    expect(r.objects).toEqual([]);
  });

  it('gives subcharts their values subtree plus global, and Helm names', async () => {
    const sub = memChart('sub', { 'templates/s.yaml.ejs': cm('  v: <%= Values.x %>-<%= Values.global.g %>-<%= Template.Name %>') });
    const parent = memChart('parent', {}, { dependencies: [sub] });
    const r = await render(pool, parent, { sub: { x: 1 }, global: { g: 'G' } });
    expect(r.objects[0]?.source).toBe('parent/charts/sub/templates/s.yaml');
    expect(r.objects[0]?.object.data).toEqual({ v: '1-G-parent/charts/sub/templates/s.yaml' });
  });

  it('is deterministic: same input, byte-identical output, even with Math.random and Date', async () => {
    const chart = memChart('demo', { 'templates/cm.yaml.ejs': cm('  r: "<%= Math.random() %>"\n  d: "<%= new Date().toISOString() %>"\n  now: "<%= Date.now() %>"') });
    const a = await render(pool, chart);
    const b = await render(pool, chart);
    expect(a.manifest).toBe(b.manifest);
    expect(a.objects[0]?.object.data).toMatchObject({ d: '1970-01-01T00:00:00.000Z', now: '0' });
  });
});

describe('EJS errors name template and line', () => {
  it.each([
    ['runtime error', { 'templates/x.yaml.ejs': 'a: 1\nb: <%= Values.missing.deep %>\n' }, /^templates\/x\.yaml\.ejs:2: TypeError: Cannot read properties of undefined/],
    ['required', { 'templates/x.yaml.ejs': 'a\nb\n<%= required(Values.image, "image is required") %>' }, /^templates\/x\.yaml\.ejs:3: image is required$/],
    ['fail in a partial', { 'templates/x.yaml.ejs': '<%- include("_p.ejs") %>', 'templates/_p.ejs': '\n<% fail("boom") %>' }, /^templates\/_p\.ejs:2: boom$/],
    ['syntax error', { 'templates/x.yaml.ejs': 'a: 1\nb: 2\n<% if (x { %>\n' }, /^templates\/x\.yaml\.ejs:3: SyntaxError: /],
    ['unclosed tag', { 'templates/x.yaml.ejs': 'a: <%= 1' }, /^templates\/x\.yaml\.ejs:1: Could not find matching close tag/],
    ['missing include', { 'templates/x.yaml.ejs': '\n<%- include("_nope.ejs") %>' }, /^templates\/x\.yaml\.ejs:2: include: no template "_nope.ejs"/],
    ['include escaping templates/', { 'templates/x.yaml.ejs': '<%- include("../Chart.yaml") %>' }, /include: invalid path/],
    ['runaway include', { 'templates/x.yaml.ejs': '<%- include("_r.ejs") %>', 'templates/_r.ejs': '<%- include("_r.ejs") %>' }, /include nested deeper than 100 levels/],
  ])('%s', async (_name, files, msg) => {
    const err = await renderError(files);
    expect(err.code).toBe(ErrorCode.RenderFailed);
    expect(err.terminal).toBe(true);
    expect(err.message).toMatch(msg);
  });

  it('names subchart templates by their path from the top chart', async () => {
    const sub = memChart('sub', { 'templates/s.yaml.ejs': '\n\n<% fail("sub failed") %>' });
    await expect(render(pool, memChart('parent', {}, { dependencies: [sub] }))).rejects.toThrow(/^charts\/sub\/templates\/s\.yaml\.ejs:3: sub failed$/);
  });

  it('rejects a chart mixing EJS and Go templates, naming the files', async () => {
    const err = await renderError({ 'templates/a.yaml.ejs': '', 'templates/b.yaml': '', 'templates/_h.tpl': '' });
    expect(err.code).toBe(ErrorCode.ChartInvalid);
    expect(err.message).toContain('templates/a.yaml.ejs');
    expect(err.message).toContain('templates/b.yaml, templates/_h.tpl');
  });
});

describe('EJS lookup', () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { password: 'c2VjcmV0' } };
  const keep = `<% const s = lookup("v1", "Secret", Release.Namespace, "db"); -%>
  password: <%= s.data && s.data.password ? s.data.password : "generated" %>
  revision: "<%= Release.Revision %>"`;

  it('answers from the cluster as helm upgrade does; a missing object is an empty map', async () => {
    const asked: string[] = [];
    const lookup = (req: { apiVersion: string; kind: string; namespace: string; name: string }) => {
      asked.push(`${req.apiVersion} ${req.kind} ${req.namespace}/${req.name}`);
      return Promise.resolve(req.name === 'db' ? secret : undefined);
    };
    const chart = memChart('demo', { 'templates/cm.yaml.ejs': cm(`${keep}\n  other: "<%= Object.keys(lookup("v1", "Secret", "ns", "nope")).length %>"`) });
    const r = await render(pool, chart, {}, {}, { lookup });
    expect(r.objects[0]?.object.data).toEqual({ password: 'c2VjcmV0', revision: '3', other: '0' });
    expect(asked).toEqual(['v1 Secret ns/db', 'v1 Secret ns/nope']);
  });

  it('without a lookup function (maglev template) every call is an empty map, as in helm template', async () => {
    expect(await data(keep)).toEqual({ password: 'generated', revision: '3' });
  });

  it('follows lookups that depend on earlier answers, one render pass per level, and gives each call its own copy', async () => {
    const objects: Record<string, unknown> = {
      'v1 ConfigMap ns/pointer': { data: { target: 'db' } },
      'v1 Secret ns/db': secret,
    };
    let calls = 0;
    const lookup = (req: { apiVersion: string; kind: string; namespace: string; name: string }) => {
      calls += 1;
      return Promise.resolve(objects[`${req.apiVersion} ${req.kind} ${req.namespace}/${req.name}`]);
    };
    const tpl = `<% const p = lookup("v1", "ConfigMap", "ns", "pointer"); const s = p.data ? lookup("v1", "Secret", "ns", p.data.target) : {}; -%>
<% if (s.data) { s.data.password = "changed"; } -%>
  password: <%= s.data ? lookup("v1", "Secret", "ns", p.data.target).data.password : "none" %>`;
    const r = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': cm(tpl) }), {}, {}, { lookup });
    expect(r.objects[0]?.object.data).toEqual({ password: 'c2VjcmV0' });
    expect(calls).toBe(2);
  });

  it('a failing lookup fails the render naming the call; more calls than the bound fail it too', async () => {
    const forbidden = () => Promise.reject(new Error('secrets "db" is forbidden: User "system:serviceaccount:ns:app" cannot get resource "secrets"'));
    const err = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': cm(keep) }), {}, {}, { lookup: forbidden }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaglevError);
    expect((err as MaglevError).code).toBe(ErrorCode.RenderFailed);
    expect((err as MaglevError).message).toMatch(/^lookup v1 Secret ns\/db: secrets "db" is forbidden/);
    const many = cm('<% for (let i = 0; i < 300; i++) lookup("v1", "ConfigMap", "ns", "c" + i); -%>\n  a: b');
    const over = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': many }), {}, {}, { lookup: () => Promise.resolve(undefined) }).catch((e: unknown) => e);
    expect((over as MaglevError).message).toBe('more than 256 lookup calls in one render');
  });

  it('lookups that keep depending on new answers stop after a bounded number of passes', async () => {
    const chain = cm('<% let n = 0; while (lookup("v1", "ConfigMap", "ns", "c" + n).data) n++; -%>\n  count: "<%= n %>"');
    const endless = () => Promise.resolve({ data: { more: 'yes' } });
    const err = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': chain }), {}, {}, { lookup: endless }).catch((e: unknown) => e);
    expect((err as MaglevError).message).toBe('lookup calls depend on the answers of earlier ones more than 7 levels deep');
    let left = 3;
    const finite = () => Promise.resolve(left-- > 0 ? { data: {} } : undefined);
    const r = await render(pool, memChart('demo', { 'templates/cm.yaml.ejs': chain }), {}, {}, { lookup: finite });
    expect(r.objects[0]?.object.data).toEqual({ count: '3' });
  });
});

describe('idle workers', () => {
  it('stops a worker idle for idleMs and starts one again for the next render', async () => {
    const quick = new EjsPool({ size: 1, idleMs: 100 });
    try {
      const chart = memChart('demo', { 'templates/cm.yaml.ejs': cm('  v: "1"') });
      expect((await render(quick, chart, {})).objects).toHaveLength(1);
      expect(quick.workers()).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
      expect(quick.workers()).toBe(0);
      expect((await render(quick, chart, {})).objects[0]?.object.data).toEqual({ v: '1' });
      expect(quick.workers()).toBe(1);
    } finally {
      await quick.close();
    }
  });

  it('keeps a worker that gets a job before idleMs passes', async () => {
    const quick = new EjsPool({ size: 1, idleMs: 300 });
    try {
      const chart = memChart('demo', { 'templates/cm.yaml.ejs': cm('  v: "1"') });
      for (let i = 0; i < 4; i += 1) {
        await render(quick, chart, {});
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(quick.workers()).toBe(1);
    } finally {
      await quick.close();
    }
  });
});
