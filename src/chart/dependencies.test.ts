import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { prepareChart } from './dependencies.js';
import { mkChart } from './testdata/charts.js';
import type { Chart, ChartDependency, Values } from './types.js';

const names = (c: Chart): string[] => c.dependencies.map((d) => d.metadata.name).sort();

function parentWith(requires: ChartDependency[], values: Values = {}, deps: Chart[] = [mkChart('sub', { values: { x: 1 } })]): Chart {
  return mkChart('parent', { values, deps, requires });
}

describe('prepareChart: tags and conditions', () => {
  it.each<[string, ChartDependency, Values, Values, boolean]>([
    ['enabled by default', { name: 'sub', version: '1.x' }, {}, {}, true],
    ['condition false disables', { name: 'sub', version: '1.x', condition: 'sub.enabled' }, { sub: { enabled: true } }, { sub: { enabled: false } }, false],
    ['condition true enables', { name: 'sub', version: '1.x', condition: 'sub.enabled' }, { sub: { enabled: false } }, { sub: { enabled: true } }, true],
    ['unresolved condition leaves it enabled', { name: 'sub', version: '1.x', condition: 'nope.enabled' }, {}, {}, true],
    ['non-bool condition is ignored', { name: 'sub', version: '1.x', condition: 'sub.enabled' }, {}, { sub: { enabled: 'no' } }, true],
    ['first resolvable condition wins', { name: 'sub', version: '1.x', condition: 'missing.x,second.on,third.on' }, {}, { second: { on: false }, third: { on: true } }, false],
    ['a tag false disables', { name: 'sub', version: '1.x', tags: ['front'] }, {}, { tags: { front: false } }, false],
    ['one true tag keeps it enabled', { name: 'sub', version: '1.x', tags: ['front', 'back'] }, {}, { tags: { front: false, back: true } }, true],
    ['unknown tags keep it enabled', { name: 'sub', version: '1.x', tags: ['other'] }, {}, { tags: { front: false } }, true],
    ['condition overrides tags', { name: 'sub', version: '1.x', tags: ['front'], condition: 'sub.enabled' }, {}, { tags: { front: false }, sub: { enabled: true } }, true],
    ['chart defaults feed conditions', { name: 'sub', version: '1.x', condition: 'sub.enabled' }, { sub: { enabled: false } }, {}, false],
  ])('%s', (_name, dep, defaults, user, enabled) => {
    const out = prepareChart(parentWith([dep], defaults), user);
    expect(names(out.chart)).toEqual(enabled ? ['sub'] : []);
    expect(out.chart.metadata.dependencies?.map((d) => d.name)).toEqual(enabled ? ['sub'] : []);
  });

  it('evaluates a grandchild condition relative to its parent subchart', () => {
    const grand = mkChart('grand');
    const sub = mkChart('sub', { deps: [grand], requires: [{ name: 'grand', version: '*', condition: 'grand.enabled' }], values: { grand: { enabled: true } } });
    const top = mkChart('top', { deps: [sub], requires: [{ name: 'sub', version: '*' }] });
    expect(names(prepareChart(top, {}).chart.dependencies[0] ?? mkChart('none'))).toEqual(['grand']);
    expect(names(prepareChart(top, { sub: { grand: { enabled: false } } }).chart.dependencies[0] ?? mkChart('none'))).toEqual([]);
  });

  it('drops the values-side of a disabled subchart but keeps user keys', () => {
    const out = prepareChart(parentWith([{ name: 'sub', version: '1.x', condition: 'sub.enabled' }]), { sub: { enabled: false } });
    expect(out.values).toEqual({ sub: { enabled: false } });
  });
});

describe('prepareChart: matching and aliases', () => {
  it('aliases rename the chart and its values key, and one chart can be aliased twice', () => {
    const requires = [
      { name: 'sub', version: '~1.0', alias: 'first' },
      { name: 'sub', version: '~1.0', alias: 'second', condition: 'second.enabled' },
    ];
    const out = prepareChart(parentWith(requires, { first: { x: 10 } }), { second: { x: 20 } });
    expect(names(out.chart)).toEqual(['first', 'second']);
    expect(out.values).toEqual({ first: { x: 10, global: {} }, second: { x: 20, global: {} } });
    const off = prepareChart(parentWith(requires), { second: { enabled: false } });
    expect(names(off.chart)).toEqual(['first']);
  });

  it('does not modify the loaded chart', () => {
    const chart = parentWith([{ name: 'sub', version: '1.x', alias: 'renamed' }]);
    prepareChart(chart, {});
    expect(chart.dependencies[0]?.metadata.name).toBe('sub');
    expect(chart.metadata.dependencies?.[0]?.name).toBe('sub');
  });

  it('keeps subcharts not declared in Chart.yaml, and version-mismatched ones unaliased (as Helm does)', () => {
    const extra = mkChart('extra');
    const out = prepareChart(parentWith([{ name: 'sub', version: '2.x', alias: 'renamed' }], {}, [mkChart('sub'), extra]), {});
    expect(names(out.chart)).toEqual(['extra', 'sub']);
  });

  it('refuses a declared dependency missing from charts/', () => {
    let err: unknown;
    try {
      prepareChart(parentWith([{ name: 'db', version: '1.x' }], {}, []), {});
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.ChartInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/dependencies db are declared but missing from charts\//);
  });
});

describe('prepareChart: import-values', () => {
  const child = (): Chart => mkChart('child', { values: { exports: { data: { port: 80, host: 'child' } }, deep: { a: { b: 1 } } } });

  it.each<[string, ChartDependency['import-values'], Values, Values]>([
    ['string form imports exports.X into the root', ['data'], {}, { port: 80, host: 'child' }],
    ["parent's own values win over imported ones", ['data'], { port: 8080 }, { port: 8080, host: 'child' }],
    ['map form imports by path', [{ child: 'deep.a', parent: 'fromChild.nested' }], {}, { fromChild: { nested: { b: 1 } } }],
  ])('%s', (_name, imports, parentValues, want) => {
    const top = mkChart('top', { values: parentValues, deps: [child()], requires: [{ name: 'child', version: '*', 'import-values': imports }] });
    const out = prepareChart(top, {});
    expect(out.values).toMatchObject(want);
  });

  it('user values win over imported values', () => {
    const top = mkChart('top', { deps: [child()], requires: [{ name: 'child', version: '*', 'import-values': ['data'] }] });
    expect(prepareChart(top, { port: 1 }).values).toMatchObject({ port: 1, host: 'child' });
  });

  it('imports through an alias', () => {
    const top = mkChart('top', { deps: [child()], requires: [{ name: 'child', version: '*', alias: 'kid', 'import-values': [{ child: 'exports.data', parent: 'kidData' }] }] });
    expect(prepareChart(top, {}).values.kidData).toEqual({ port: 80, host: 'child' });
  });

  it("leaves the chart as Helm stores it: import-values as {child, parent} pairs, values coalesced with the subchart's", () => {
    const top = mkChart('top', {
      values: { own: 1, global: { registry: 'r.example' } },
      deps: [child()],
      requires: [{ name: 'child', version: '*', 'import-values': ['data', { child: 'deep.a', parent: 'a' }] }],
    });
    const out = prepareChart(top, { own: 2 });
    expect(out.chart.metadata.dependencies?.[0]?.['import-values']).toEqual([
      { child: 'exports.data', parent: '.' },
      { child: 'deep.a', parent: 'a' },
    ]);
    // Chart defaults (not the user's values) with the subchart's section, globals copied down, imports lifted.
    expect(out.chart.values).toEqual({
      own: 1,
      global: { registry: 'r.example' },
      port: 80,
      host: 'child',
      a: { b: 1 },
      child: { exports: { data: { port: 80, host: 'child' } }, deep: { a: { b: 1 } }, global: { registry: 'r.example' } },
    });
    expect(top.values).toEqual({ own: 1, global: { registry: 'r.example' } });
  });
});

describe('prepareChart: schema', () => {
  it('validates each chart against its own schema and lists every violation', () => {
    const sub = mkChart('sub', { values: { port: 80 }, schema: { type: 'object', properties: { port: { type: 'integer', maximum: 1000 } } } });
    const top = mkChart('top', {
      deps: [sub],
      schema: { type: 'object', required: ['name'], properties: { replicas: { type: 'integer' } } },
    });
    let err: unknown;
    try {
      prepareChart(top, { replicas: 'two', sub: { port: 5000 } });
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.ValuesInvalid)).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toMatch(/3 violations/);
    expect(msg).toMatch(/top: \(root\): must have required property 'name'/);
    expect(msg).toMatch(/top: replicas: must be integer/);
    expect(msg).toMatch(/top.sub: port: must be <= 1000/);
    expect(() => prepareChart(top, { replicas: 'two' }, { skipSchemaValidation: true })).not.toThrow();
  });
});

describe('prepareChart: installability', () => {
  it.each<[string, Partial<import('./types.js').ChartMetadata>, string | undefined, RegExp | undefined]>([
    ['a library chart', { type: 'library' }, undefined, /library charts are not installable/],
    ['a kubeVersion the cluster does not meet', { kubeVersion: '>=1.31.0' }, 'v1.30.2', /chart requires kubeVersion: >=1.31.0 which is incompatible with Kubernetes v1.30.2/],
    ['a prerelease-tolerant kubeVersion on a vendor build', { kubeVersion: '>=1.20.0-0' }, 'v1.28.3-gke.100', undefined],
    ['a kubeVersion when the cluster version is unknown', { kubeVersion: '>=9.0.0' }, undefined, undefined],
  ])('%s', (_name, metadata, kubeVersion, error) => {
    const run = (): unknown => prepareChart(mkChart('c', { metadata }), {}, { kubeVersion });
    if (error === undefined) expect(run).not.toThrow();
    else expect(run).toThrow(error);
  });
});

describe('prepareChart: result tree', () => {
  it('hands out a tree whose nodes are never shared, even for a chart aliased twice', () => {
    const child = mkChart('child', { deps: [mkChart('grand')], requires: [{ name: 'grand', version: '*' }] });
    const top = mkChart('top', { deps: [child], requires: [{ name: 'child', version: '*', alias: 'a' }, { name: 'child', version: '*', alias: 'b' }] });
    const out = prepareChart(top, {});
    const [a, b] = out.chart.dependencies;
    expect(a?.metadata.name).toBe('a');
    expect(b?.metadata.name).toBe('b');
    expect(a?.dependencies[0]).not.toBe(b?.dependencies[0]);
    expect(a?.dependencies[0]).toEqual(b?.dependencies[0]);
  });
});
