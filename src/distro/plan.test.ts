import { describe, expect, it } from 'vitest';
import { desiredComponents, specDigest } from './desired.js';
import { changes, needingApproval, planDistro, type Baseline } from './plan.js';
import { child, comp, distro, observed } from './testing/builders.js';

/** A baseline where each component ran the spec `d` gives it. */
function baselineOf(d: ReturnType<typeof distro>, version = '1.0.0'): Baseline {
  return {
    revision: 1,
    version,
    components: desiredComponents(d).components.map((c) => ({ name: c.name, chartVersion: c.version, digest: c.digest, dependsOn: c.dependsOn, spec: c.spec, ...(c.manual ? { manual: true } : {}) })),
  };
}

const v1 = [comp('pki', '1.0.0'), comp('db', '12.1.0', { dependsOn: ['pki'], upgradePolicy: 'Manual' }), comp('web', '2.0.0', { dependsOn: ['db'] })];

function steps(plan: ReturnType<typeof planDistro>): string[] {
  return plan.steps.map((s) => `${s.level} ${s.component} ${s.action} ${s.from}->${s.to}`);
}

describe('planDistro', () => {
  it('plans a first install of every component, level by level', () => {
    const d = distro(v1);
    const plan = planDistro({ desired: desiredComponents(d), version: '1.0.0', children: new Map() });
    expect(steps(plan)).toEqual(['0 pki install ->1.0.0', '1 db install ->12.1.0', '2 web install ->2.0.0']);
    expect(plan.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(changes(plan)).toBe(true);
    expect(needingApproval(plan, new Set(['db']))).toEqual([]);
  });

  it('plans nothing for a deployed spec, and a stable id whatever the children report', () => {
    const d = distro(v1);
    const base = baselineOf(d);
    const a = planDistro({ desired: desiredComponents(d), version: '1.0.0', baseline: base, children: new Map() });
    const b = planDistro({ desired: desiredComponents(d), version: '1.0.0', baseline: base, children: observed(...v1.map((c) => child(d, c, { ready: false }))) });
    expect(steps(a)).toEqual(['0 pki none 1.0.0->1.0.0', '1 db none 12.1.0->12.1.0', '2 web none 2.0.0->2.0.0']);
    expect(changes(a)).toBe(false);
    expect(b.id).toBe(a.id);
  });

  it.each([
    { name: 'a higher version is an upgrade', db: '12.2.0', want: 'upgrade' },
    { name: 'a lower version is a downgrade', db: '12.0.0', want: 'downgrade' },
    { name: 'a range is an upgrade', db: '~12.1.0', want: 'upgrade' },
  ])('$name', ({ db, want }) => {
    const base = baselineOf(distro(v1));
    const d = distro([v1[0]!, { ...v1[1]!, chart: { ...v1[1]!.chart, version: db } }, v1[2]!]);
    const plan = planDistro({ desired: desiredComponents(d), version: '1.1.0', baseline: base, children: new Map() });
    expect(plan.steps.find((s) => s.component === 'db')?.action).toBe(want);
    expect(needingApproval(plan, new Set(['db']))).toEqual(['db']);
  });

  it('a values-only change is an upgrade with a new id; a different change gives a different id', () => {
    const base = baselineOf(distro(v1));
    const values = (message: string) => distro([v1[0]!, v1[1]!, { ...v1[2]!, values: { message } }]);
    const a = planDistro({ desired: desiredComponents(values('a')), version: '1.0.0', baseline: base, children: new Map() });
    const b = planDistro({ desired: desiredComponents(values('b')), version: '1.0.0', baseline: base, children: new Map() });
    expect(a.steps.find((s) => s.component === 'web')?.action).toBe('upgrade');
    expect(a.id).not.toBe(b.id);
  });

  it('a dropped or disabled component is uninstalled at its old level; an unselected change is shown, not planned', () => {
    const base = baselineOf(distro(v1));
    const d = distro([v1[0]!, { ...v1[1]!, chart: { ...v1[1]!.chart, version: '13.0.0' }, enabled: true, class: 'stateful' }], {
      selector: { matchLabels: { 'maglev.io/class': 'core' } },
    });
    const plan = planDistro({ desired: desiredComponents(d), version: '1.0.0', baseline: base, children: new Map() });
    expect(steps(plan)).toEqual(['0 pki none 1.0.0->1.0.0', '1 db none 12.1.0->13.0.0', '2 web uninstall 2.0.0->']);
    expect(plan.steps.find((s) => s.component === 'db')?.notSelected).toBe('upgrade');
  });

  it('a new distro version alone is a change', () => {
    const d = distro(v1);
    const plan = planDistro({ desired: desiredComponents(d), version: '1.0.1', baseline: baselineOf(d), children: new Map() });
    expect(changes(plan)).toBe(true);
  });

  it('digests fill in HelmRelease defaults, as the API server does', () => {
    expect(specDigest({ chart: { name: 'a', repository: 'https://x' } })).toBe(specDigest({ chart: { name: 'a', repository: 'https://x' }, timeout: '5m' }));
    expect(specDigest({ chart: { name: 'a', repository: 'https://x' } })).not.toBe(specDigest({ chart: { name: 'a', repository: 'https://x' }, timeout: '6m' }));
  });
});
