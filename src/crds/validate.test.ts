import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import type { HelmReleaseSpec } from './generated/types.js';
import {
  checkComponentNames,
  checkDependencies,
  checkVersionRange,
  findCycle,
  parseDuration,
  problemsError,
  validateComponents,
  validateHelmReleaseSpec,
  validateMaglevDistroSpec,
  type ComponentNode,
} from './validate.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['1h1m1s1ms', 3_661_001],
  ])('%s is %d ms', (value, ms) => {
    expect(parseDuration(value, 'spec.interval')).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', 'is empty'],
    ['5', 'no number and unit at offset 0'],
    ['1h30', 'no number and unit at offset 2'],
    ['10x', 'no number and unit at offset 0'],
    ['-5m', 'must not carry a sign'],
    ['+5m', 'must not carry a sign'],
    ['.s', 'no number and unit at offset 0'],
    ['5 m', 'no number and unit at offset 0'],
    ['3000000h', 'longer than the longest Go duration'],
  ])('%j is rejected: %s', (value, why) => {
    let caught: unknown;
    try {
      parseDuration(value, 'spec.timeout');
    } catch (err) {
      caught = err;
    }
    expect(isMaglevError(caught, 'InvalidSpec')).toBe(true);
    const err = caught as Error & { terminal: boolean; where: string };
    expect(err.message).toContain('spec.timeout: ');
    expect(err.message).toContain(why);
    expect(err.message).toContain('expected a Go duration');
    expect([err.terminal, err.where]).toEqual([true, 'spec.timeout']);
  });
});

describe('checkVersionRange', () => {
  it.each(['*', '6.5.0', 'v6.5.0', '6.x', '^6.1.0', '~1.2', '>=6.0.0 <7.0.0', '1.0.0 - 2.0.0', '1.x || 2.x', undefined])(
    '%j is accepted',
    (value) => {
      expect(checkVersionRange(value, 'spec.chart.version')).toEqual([]);
    },
  );

  it.each(['latest', '1.2.3.4', '>=1 <=', 'six'])('%j is rejected', (value) => {
    const [problem, ...rest] = checkVersionRange(value, 'spec.chart.version');
    expect(rest).toEqual([]);
    expect(problem?.field).toBe('spec.chart.version');
    expect(problem?.message).toContain('is not a semver range');
  });
});

describe('validateHelmReleaseSpec', () => {
  it('accepts the api.md example', () => {
    const spec: HelmReleaseSpec = {
      chart: { repository: 'https://charts.example.com', name: 'podinfo', version: '>=6.0.0 <7.0.0' },
      interval: '10m',
      timeout: '5m',
      test: { enable: false, timeout: '5m' },
    };
    expect(validateHelmReleaseSpec(spec)).toEqual([]);
  });

  it('names every bad field', () => {
    const spec: HelmReleaseSpec = { chart: { url: 'https://x/c.tgz', version: 'latest' }, interval: '10', test: { timeout: 'soon' } };
    expect(validateHelmReleaseSpec(spec).map((p) => p.field)).toEqual(['spec.chart.version', 'spec.interval', 'spec.test.timeout']);
  });
});

const c = (name: string, dependsOn: string[] = [], enabled?: boolean): ComponentNode => ({ name, dependsOn, enabled });

describe('findCycle', () => {
  it.each<[string, ComponentNode[], string[] | undefined]>([
    ['no components', [], undefined],
    ['a chain', [c('a'), c('b', ['a']), c('c', ['b'])], undefined],
    ['a diamond', [c('a'), c('b', ['a']), c('c', ['a']), c('d', ['b', 'c'])], undefined],
    ['a self dependency', [c('a', ['a'])], ['a', 'a']],
    ['two components', [c('a', ['b']), c('b', ['a'])], ['a', 'b', 'a']],
    ['a cycle behind a chain', [c('x'), c('a', ['x', 'b']), c('b', ['c']), c('c', ['a'])], ['a', 'b', 'c', 'a']],
    ['a cycle through a disabled component', [c('a', ['b']), c('b', ['a'], false)], undefined],
    ['unknown dependencies', [c('a', ['ghost'])], undefined],
  ])('%s', (_name, components, want) => {
    expect(findCycle(components)).toEqual(want);
  });
});

describe('checkDependencies', () => {
  it.each<[string, ComponentNode[], string[]]>([
    ['valid graph', [c('pki'), c('postgres', ['pki']), c('web', ['postgres'])], []],
    ['unknown', [c('web', ['db'])], ['spec.components[0].dependsOn[0]: "db" is not a component of this distro']],
    [
      'disabled target',
      [c('pki', [], false), c('web', ['pki'])],
      ['spec.components[1].dependsOn[0]: "pki" is disabled (enabled: false)'],
    ],
    ['disabled source is not checked', [c('web', ['db'], false)], []],
    ['cycle', [c('a', ['b']), c('b', ['a'])], ['spec.components: dependency cycle: a -> b -> a']],
  ])('%s', (_name, components, want) => {
    expect(checkDependencies(components).map((p) => `${p.field}: ${p.message}`)).toEqual(want);
  });
});

describe('checkComponentNames', () => {
  it('reports each duplicate at its own index', () => {
    const problems = checkComponentNames([c('a'), c('b'), c('a'), c('a')]);
    expect(problems).toEqual([
      { field: 'spec.components[2].name', message: 'duplicate component name "a" (first at index 0)' },
      { field: 'spec.components[3].name', message: 'duplicate component name "a" (first at index 0)' },
    ]);
  });
});

describe('validateComponents', () => {
  it('checks chart ranges and release durations of each component', () => {
    const problems = validateComponents([
      { name: 'pki', chart: { repository: 'https://c', name: 'pki', version: 'nope' } },
      { name: 'web', release: { timeout: '5 minutes' } },
    ]);
    expect(problems.map((p) => p.field)).toEqual(['spec.components[0].chart.version', 'spec.components[1].release.timeout']);
  });

  it.each<[string, string, string | undefined, number]>([
    ['fits', 'maglev', undefined, 0],
    ['too long', 'a-very-long-distro-name-for-this-cluster', undefined, 1],
    ['too long but named', 'a-very-long-distro-name-for-this-cluster', 'short', 0],
  ])('child release name length: %s', (_name, distro, releaseName, count) => {
    const component = { name: 'postgres-operator', release: releaseName === undefined ? {} : { releaseName } };
    expect(validateComponents([component], distro)).toHaveLength(count);
  });
});

describe('validateMaglevDistroSpec', () => {
  it('checks the distro version and the inline components', () => {
    const problems = validateMaglevDistroSpec({ version: '1.4', components: [c('a', ['b'])] }, 'maglev');
    expect(problems.map((p) => p.field)).toEqual(['spec.version', 'spec.components[0].dependsOn[0]']);
  });

  it('accepts the api.md example', () => {
    const spec = { version: '1.4.0', components: [{ ...c('pki'), chart: { url: 'https://x/p.tgz' } }, c('postgres', ['pki'])] };
    expect(validateMaglevDistroSpec(spec, 'maglev')).toEqual([]);
  });
});

describe('problemsError', () => {
  it('is undefined without problems', () => {
    expect(problemsError([])).toBeUndefined();
  });

  it('lists every problem in one terminal InvalidSpec error', () => {
    const err = problemsError([
      { field: 'spec.interval', message: 'bad' },
      { field: 'spec.timeout', message: 'worse' },
    ]);
    expect(err?.code).toBe('InvalidSpec');
    expect(err?.terminal).toBe(true);
    expect(err?.where).toBe('spec.interval');
    expect(err?.message).toBe('spec.interval: bad; spec.timeout: worse');
  });
});
