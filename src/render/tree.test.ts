import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { memChart } from './testdata/fixtures.js';
import { chartEngine, chartTree, childValues, helmGroup, helmRoots, mergeGlobals, walk } from './tree.js';

describe('chartEngine', () => {
  it.each([
    [{ 'templates/a.yaml.ejs': '' }, 'ejs'],
    [{ 'templates/a.yaml.ejs': '', 'templates/README.md': '' }, 'ejs'],
    [{ 'templates/a.yaml': '' }, 'helm'],
    [{}, 'helm'],
  ])('%j → %s', (files, engine) => {
    expect(chartEngine(memChart('c', files), 'c')).toBe(engine);
  });

  it('rejects mixed templates as ChartInvalid naming both kinds of files', () => {
    let err: unknown;
    try {
      chartEngine(memChart('c', { 'templates/a.yaml.ejs': '', 'templates/NOTES.txt': '' }), 'charts/c');
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.ChartInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/^charts\/c: templates\/ mixes EJS templates \(templates\/a\.yaml\.ejs\) with Go templates \(templates\/NOTES\.txt\)/);
  });
});

describe('values scoping', () => {
  it('merges globals with the parent winning, tables merged', () => {
    expect(mergeGlobals({ a: 1, t: { x: 1 } }, { a: 2, b: 3, t: { x: 2, y: 2 } })).toEqual({ a: 1, b: 3, t: { x: 1, y: 2 } });
    expect(childValues({ sub: { v: 1 }, global: { g: 1 } }, 'sub')).toEqual({ v: 1, global: { g: 1 } });
    expect(childValues({ sub: 'not a table' }, 'sub')).toEqual({ global: {} });
  });
});

describe('engine groups', () => {
  it('renders each connected Go-template group with one helm run and every EJS chart in the sandbox', () => {
    const go = (name: string, deps = [] as ReturnType<typeof memChart>[]) => memChart(name, { 'templates/a.yaml': '' }, { dependencies: deps });
    const ejs = (name: string, deps = [] as ReturnType<typeof memChart>[]) => memChart(name, { 'templates/a.yaml.ejs': '' }, { dependencies: deps });
    const root = chartTree(go('top', [ejs('e1', [go('g2', [go('g3')])]), go('g1')]), {});
    expect(walk(root).map((n) => `${n.name}:${n.engine}`)).toEqual([
      'top:helm',
      'top/charts/e1:ejs',
      'top/charts/e1/charts/g2:helm',
      'top/charts/e1/charts/g2/charts/g3:helm',
      'top/charts/g1:helm',
    ]);
    expect(helmRoots(root).map((n) => n.name)).toEqual(['top', 'top/charts/e1/charts/g2']);
    expect(helmGroup(root).map((n) => n.name)).toEqual(['top', 'top/charts/g1']);
    expect(walk(root).map((n) => n.rel)).toEqual(['', 'charts/e1/', 'charts/e1/charts/g2/', 'charts/e1/charts/g2/charts/g3/', 'charts/g1/']);
  });
});
