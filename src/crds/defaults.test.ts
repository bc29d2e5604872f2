import { describe, expect, it } from 'vitest';
import { applyDefaults, withHelmReleaseDefaults, withMaglevDistroDefaults } from './defaults.js';
import type { HelmReleaseSpec } from './generated/types.js';
import { obj, str } from './schema.js';

describe('withHelmReleaseDefaults', () => {
  it('fills the api.md defaults into a minimal spec', () => {
    const spec: HelmReleaseSpec = { chart: { repository: 'https://charts.example.com', name: 'podinfo' } };
    expect(withHelmReleaseDefaults(spec)).toEqual({
      chart: { repository: 'https://charts.example.com', name: 'podinfo', version: '*' },
      interval: '10m',
      timeout: '5m',
      maxHistory: 10,
      install: { crds: 'Create' },
      upgrade: { crds: 'Skip', remediation: { retries: 0, strategy: 'rollback' } },
      driftDetection: { mode: 'enabled' },
    });
  });

  it('keeps what is set and does not modify its input', () => {
    const spec: HelmReleaseSpec = {
      chart: { url: 'https://x/c.tgz', version: '1.x' },
      timeout: '15m',
      install: { crds: 'Skip', remediation: {} },
      upgrade: { remediation: { strategy: 'uninstall' } },
      values: { a: { b: [1] } },
    };
    const before = structuredClone(spec);
    const got = withHelmReleaseDefaults(spec);
    expect(spec).toEqual(before);
    expect(got.timeout).toBe('15m');
    expect(got.install).toEqual({ crds: 'Skip', remediation: { retries: 0 } });
    expect(got.upgrade?.remediation).toEqual({ retries: 0, strategy: 'uninstall' });
    expect(got.values).toEqual({ a: { b: [1] } });
    expect(got.values).not.toBe(spec.values);
  });
});

describe('withMaglevDistroDefaults', () => {
  it('defaults the upgrade options and the chart of each component, not the release overrides', () => {
    const got = withMaglevDistroDefaults({
      version: '1.0.0',
      components: [{ name: 'pki', chart: { repository: 'https://c', name: 'pki' }, release: { install: {} } }],
    });
    expect(got.upgrade).toEqual({ onFailure: 'rollback', maxParallel: 4 });
    expect(got.components?.[0]?.chart?.version).toBe('*');
    expect(got.components?.[0]?.release).toEqual({ install: {} });
  });
});

describe('applyDefaults', () => {
  const schema = obj('T', 't', {
    a: str('a', { default: 'x' }),
    nested: obj('N', 'n', { b: str('b', { default: 'y' }) }, { default: {} }),
  });
  it.each<[string, unknown, unknown]>([
    ['missing object', {}, { a: 'x', nested: { b: 'y' } }],
    ['set values kept', { a: 'z', nested: { b: 'w' } }, { a: 'z', nested: { b: 'w' } }],
    ['unknown fields kept', { c: 1 }, { c: 1, a: 'x', nested: { b: 'y' } }],
    ['non-object left alone', 'text', 'text'],
  ])('%s', (_name, value, want) => {
    expect(applyDefaults(schema, value)).toEqual(want);
  });
});
