import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as approve } from './approve.js';
import { run as status } from './status.js';
import { aDistroAwaitingApproval, capture, startFakeCluster, type FakeCluster } from './testing.js';

let cluster: FakeCluster;
beforeAll(async () => {
  cluster = await startFakeCluster();
});
afterAll(async () => cluster.close());

const PLAN = `sha256:${'ab12'.repeat(16)}`;

describe('maglev status distro', () => {
  it('prints the components as a tree with their plan steps, Manual marked, and the approval needed', async () => {
    cluster.put(aDistroAwaitingApproval('shop', 'team'));
    const r = await capture(status, ['distro', 'shop', '--kubeconfig', cluster.kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'MaglevDistro team/shop: version 1.0.0 (wants 1.1.0), revision 1',
        `Ready: False AwaitingApproval: plan ${PLAN} changes Manual components db; approve it with: kubectl patch ...`,
        `plan: ${PLAN} (2 step(s))`,
        'components:',
        '├── pki   Ready              chart 1.0.0   revision 1',
        '├── db    AwaitingApproval   chart 1.0.0   revision 1   Manual component: upgrade 1.0.0 -> 1.1.0 waits for spec.approvedPlan  [Manual]',
        '│   └── step: level 1  upgrade  1.0.0 -> 1.1.0  Manual',
        '└── web   Blocked            chart 1.0.0   revision 1   blocked by db',
        '    └── step: level 2  upgrade  1.0.0 -> 1.1.0',
        `approval: needed: plan ${PLAN} changes Manual component(s) db`,
        '  approve it with: maglev approve distro shop -n team',
        '',
      ].join('\n'),
    );
  });

  it('lists a component the plan installs, and says no approval is needed once approved', async () => {
    const d = aDistroAwaitingApproval('grow', 'team');
    d.spec.approvedPlan = PLAN;
    d.status!.conditions = d.status!.conditions!.filter((c) => c.type === 'Ready').map((c) => ({ ...c, status: 'Unknown' as const, reason: 'Progressing', message: 'changing: db' }));
    d.status!.plan!.steps!.push({ component: 'queue', action: 'install', to: '2.0.0', level: 1 });
    cluster.put(d);
    const r = await capture(status, ['distro', 'grow', '--kubeconfig', cluster.kubeconfig]);
    expect(r.out).toContain('└── queue   Pending');
    expect(r.out).toContain('    └── step: level 1  install  -> 2.0.0\n');
    expect(r.out).toContain(`approval: plan ${PLAN} is approved (spec.approvedPlan)\n`);
  });

  it('exits 2 for anything but a distro NAME, 1 for a missing one', async () => {
    expect((await capture(status, ['release', 'web', '--kubeconfig', cluster.kubeconfig])).code).toBe(2);
    expect((await capture(status, ['distro', '--kubeconfig', cluster.kubeconfig])).code).toBe(2);
    expect((await capture(status, ['distro', 'nope', '--kubeconfig', cluster.kubeconfig])).code).toBe(1);
  });
});

describe('maglev approve distro', () => {
  it('prints the plan and sets spec.approvedPlan to status.plan.id', async () => {
    cluster.put(aDistroAwaitingApproval('shop', 'team'));
    const before = cluster.patches().length;
    const r = await capture(approve, ['distro', 'shop', '--kubeconfig', cluster.kubeconfig]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(`plan ${PLAN} (version 1.0.0 -> 1.1.0):\n  db: level 1  upgrade  1.0.0 -> 1.1.0  Manual\n  web: level 2  upgrade  1.0.0 -> 1.1.0\nMaglevDistro team/shop: approved plan ${PLAN} (spec.approvedPlan)\n`);
    expect(cluster.patches().slice(before)).toEqual([{ key: 'maglevdistros/team/shop', body: { spec: { approvedPlan: PLAN } } }]);
  });

  it('asks on a terminal without --yes, and a no changes nothing', async () => {
    cluster.put(aDistroAwaitingApproval('shop', 'team'));
    const questions: string[] = [];
    const before = cluster.patches().length;
    const no = await capture(approve, ['distro', 'shop', '--kubeconfig', cluster.kubeconfig], (q) => (questions.push(q), Promise.resolve(false)));
    expect(no).toMatchObject({ code: 1, err: 'not approved\n' });
    expect(questions).toEqual([`Approve plan ${PLAN} of MaglevDistro team/shop?`]);
    expect(cluster.patches().length).toBe(before);
    const yes = await capture(approve, ['distro', 'shop', '--yes', '--kubeconfig', cluster.kubeconfig], async () => Promise.reject(new Error('must not ask')));
    expect(yes.code).toBe(0);
    expect(cluster.patches().length).toBe(before + 1);
  });

  it('refuses with exit 1 when nothing awaits approval, there is no plan, or the status is stale', async () => {
    const approved = aDistroAwaitingApproval('done', 'team');
    approved.spec.approvedPlan = PLAN;
    approved.status!.conditions = approved.status!.conditions!.map((c) => (c.type === 'AwaitingApproval' ? { ...c, status: 'False' as const, reason: 'NotRequired', message: '' } : c));
    const noPlan = aDistroAwaitingApproval('new', 'team');
    delete noPlan.status!.plan;
    const stale = aDistroAwaitingApproval('stale', 'team');
    stale.metadata.generation = 3;
    for (const d of [approved, noPlan, stale]) cluster.put(d);
    const before = cluster.patches().length;
    const out = async (name: string) => capture(approve, ['distro', name, '--kubeconfig', cluster.kubeconfig]);
    expect(await out('done')).toMatchObject({ code: 1, err: `maglev approve: MaglevDistro team/done: nothing awaits approval (plan ${PLAN} is already approved)\n` });
    expect(await out('new')).toMatchObject({ code: 1, err: 'maglev approve: MaglevDistro team/new: it has no plan (status.plan.id is empty)\n' });
    expect((await out('stale')).err).toContain('its status is not current (generation 3, observed 2)');
    expect(cluster.patches().length).toBe(before);
    expect((await capture(approve, ['release', 'web', '--kubeconfig', cluster.kubeconfig])).code).toBe(2);
  });
});
