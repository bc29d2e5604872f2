import { describe, expect, it } from 'vitest';
import { TriggerAnnotation } from '../constants.js';
import { plan, type Plan, type PlanInput, type RecordSummary } from './planner.js';
import { rollbackTarget } from './planner-remediation.js';
import { valuesDigest } from '../chart/values.js';
import { summarizeRecord } from './summary.js';
import { sampleRecord } from './testing/fixtures.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const DESIRED = { chartName: 'podinfo', chartVersion: '6.5.1', valuesDigest: 'sha256:new' };

function rev(revision: number, status: RecordSummary['status'], extra: Partial<RecordSummary> = {}): RecordSummary {
  return { revision, status, chartName: 'podinfo', chartVersion: '6.5.1', configDigest: 'sha256:new', ...extra };
}

/** An up-to-date deployed release with nothing attempted, changed by `over`. */
function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    spec: {},
    generation: 3,
    status: { lastAttempted: { generation: 3, chartVersion: '6.5.1', valuesDigest: 'sha256:new', action: 'upgrade' } },
    releases: [rev(1, 'superseded'), rev(2, 'deployed')],
    desired: DESIRED,
    annotations: {},
    handled: {},
    lock: { self: 'maglev-0', now: NOW, staleAfterMs: 600_000 },
    ...over,
  };
}

const attempted = (action: string, failures: { installFailures?: number; upgradeFailures?: number } = {}): PlanInput['status'] => ({
  lastAttempted: { generation: 3, chartVersion: '6.5.1', valuesDigest: 'sha256:new', action },
  ...failures,
});

const retries = (install: number, upgrade: number, strategy: 'rollback' | 'uninstall' = 'rollback'): PlanInput['spec'] => ({
  install: { remediation: { retries: install } },
  upgrade: { remediation: { retries: upgrade, strategy } },
});

type Case = [string, PlanInput, Partial<Plan>];

const cases: Case[] = [
  // 1. locks
  ['pending record written by this replica → unlock', input({ releases: [rev(1, 'deployed'), rev(2, 'pending-upgrade', { writer: 'maglev-0', writtenAtMs: NOW - 1000 })] }), { action: 'unlock', reason: 'StalePendingRelease', revision: 2, interrupted: 'upgrade' }],
  [
    'fresh pending record of another replica → wait',
    input({ releases: [rev(1, 'pending-install', { writer: 'maglev-1', writtenAtMs: NOW - 60_000 })] }),
    { action: 'wait', reason: 'ReleaseLocked', revision: 1, retryAfterMs: 540_000 },
  ],
  [
    'fresh pending record of another replica, this one the elected leader → unlock (a former leader left it)',
    input({ releases: [rev(1, 'deployed'), rev(2, 'pending-upgrade', { writer: 'maglev-1', writtenAtMs: NOW - 5_000 })], lock: { self: 'maglev-0', now: NOW, staleAfterMs: 600_000, elected: true } }),
    { action: 'unlock', reason: 'StalePendingRelease', revision: 2, interrupted: 'upgrade', message: 'revision 2 was left pending-upgrade by maglev-1 (a former leader); marking it failed' },
  ],
  [
    "fresh pending record of helm itself, even when elected → wait",
    input({ releases: [rev(1, 'deployed'), rev(2, 'pending-upgrade', { external: true, writtenAtMs: NOW - 5_000 })], lock: { self: 'maglev-0', now: NOW, staleAfterMs: 600_000, elected: true } }),
    { action: 'wait', reason: 'ReleaseLocked', revision: 2 },
  ],
  ['stale pending record of another replica → unlock', input({ releases: [rev(1, 'pending-rollback', { writer: 'maglev-1', writtenAtMs: NOW - 600_000 })] }), { action: 'unlock', revision: 1, interrupted: 'rollback' }],
  ['pending record left by helm, age unknown → unlock', input({ releases: [rev(4, 'pending-upgrade')] }), { action: 'unlock', revision: 4 }],
  ['force does not skip an unlock', input({ releases: [rev(2, 'pending-upgrade')], annotations: { [TriggerAnnotation.ForceAt]: 't1' } }), { action: 'unlock', handled: {} }],
  // 1b. a revision this HelmRelease parked while its objects become ready (status.inProgress)
  [
    'parked revision, same generation → resume it (not unlock, whoever wrote it)',
    input({ releases: [rev(1, 'deployed'), rev(2, 'pending-upgrade', { writer: 'maglev-old', writtenAtMs: NOW - 1000 })], inProgress: { action: 'upgrade', revision: 2, generation: 3 } }),
    { action: 'resume', reason: 'Progressing', revision: 2, resumes: 'upgrade' },
  ],
  [
    'parked revision, newer generation → unlock it as superseded',
    input({ generation: 4, releases: [rev(1, 'pending-install', { writer: 'maglev-0', writtenAtMs: NOW })], inProgress: { action: 'install', revision: 1, generation: 3 } }),
    { action: 'unlock', reason: 'Superseded', revision: 1, interrupted: 'install', superseded: 'superseded by generation 4' },
  ],
  [
    'parked revision, new force token → unlock it as superseded (the token is consumed by the upgrade after)',
    input({ releases: [rev(1, 'deployed'), rev(2, 'pending-upgrade')], inProgress: { action: 'upgrade', revision: 2, generation: 3 }, annotations: { [TriggerAnnotation.ForceAt]: 'f9' } }),
    { action: 'unlock', reason: 'Superseded', superseded: 'superseded by maglev.io/force-at=f9', handled: {} },
  ],
  [
    'inProgress names an older revision than the pending one → ordinary lock rules',
    input({ releases: [rev(3, 'pending-upgrade', { writer: 'maglev-1', writtenAtMs: NOW - 1000 })], inProgress: { action: 'upgrade', revision: 2, generation: 3 } }),
    { action: 'wait', reason: 'ReleaseLocked' },
  ],
  // 2. interrupted uninstall
  ['latest uninstalling → finish uninstall', input({ releases: [rev(1, 'uninstalling')] }), { action: 'uninstall', reason: 'UninstallInterrupted' }],
  // 3. absent
  ['nothing stored → install', input({ releases: [], status: {} }), { action: 'install', reason: 'InstallRequired', resetCounters: false }],
  ['latest uninstalled → install', input({ releases: [rev(1, 'uninstalled')] }), { action: 'install', reason: 'InstallRequired' }],
  ['install failures over retries → stalled', input({ releases: [], spec: retries(1, 0), status: attempted('uninstall', { installFailures: 2 }) }), { action: 'stalled', reason: 'RetriesExceeded' }],
  ['install failures within retries → install again', input({ releases: [rev(1, 'uninstalled')], spec: retries(2, 0), status: attempted('uninstall', { installFailures: 2 }) }), { action: 'install' }],
  [
    'install retries exhausted but forced → install',
    input({ releases: [], status: attempted('install', { installFailures: 5 }), annotations: { [TriggerAnnotation.ForceAt]: 't1' } }),
    { action: 'install', reason: 'ForceRequested', handled: { forceAt: 't1' } },
  ],
  [
    'install retries exhausted, new generation → counters reset, install',
    input({ releases: [], generation: 4, status: attempted('install', { installFailures: 5 }) }),
    { action: 'install', resetCounters: true },
  ],
  [
    'install retries exhausted, new reset token → install',
    input({ releases: [], status: attempted('install', { installFailures: 5 }), annotations: { [TriggerAnnotation.ResetAt]: 'r2' }, handled: { resetAt: 'r1' } }),
    { action: 'install', resetCounters: true, handled: { resetAt: 'r2' } },
  ],
  [
    'reset token already handled → still stalled',
    input({ releases: [], status: attempted('install', { installFailures: 5 }), annotations: { [TriggerAnnotation.ResetAt]: 'r1' }, handled: { resetAt: 'r1' } }),
    { action: 'stalled', reason: 'RetriesExceeded', resetCounters: false },
  ],
  // 4. deployed
  ['deployed and in sync → none', input(), { action: 'none', reason: 'InSync' }],
  [
    'deployed, its tests running (inProgress test, same revision and generation) → resume the tests',
    input({ spec: { test: { enable: true } }, inProgress: { action: 'test', revision: 2, generation: 3 } }),
    { action: 'resume', reason: 'Progressing', revision: 2, resumes: 'test', message: 'the tests of revision 2 are running' },
  ],
  ['tests running but a newer generation → the upgrade supersedes them', input({ generation: 4, spec: { test: { enable: true } }, inProgress: { action: 'test', revision: 2, generation: 3 } }), { action: 'upgrade', message: 'spec generation 3 → 4' }],
  ['tests running but tests now disabled → none', input({ inProgress: { action: 'test', revision: 2, generation: 3 } }), { action: 'none' }],
  ['a pending revision is never taken for running tests', input({ releases: [rev(2, 'deployed'), rev(3, 'pending-upgrade')], inProgress: { action: 'test', revision: 3, generation: 3 } }), { action: 'unlock', revision: 3 }],
  ['in sync but forced → upgrade', input({ annotations: { [TriggerAnnotation.ForceAt]: 'f' } }), { action: 'upgrade', reason: 'ForceRequested', handled: { forceAt: 'f' } }],
  ['force token already handled → none', input({ annotations: { [TriggerAnnotation.ForceAt]: 'f' }, handled: { forceAt: 'f' } }), { action: 'none' }],
  ['new chart version → upgrade', input({ releases: [rev(2, 'deployed', { chartVersion: '6.5.0' })] }), { action: 'upgrade', reason: 'UpgradeRequired', message: 'chart version 6.5.0 → 6.5.1' }],
  ['new values → upgrade', input({ releases: [rev(2, 'deployed', { configDigest: 'sha256:old' })] }), { action: 'upgrade', message: 'values changed' }],
  ['other chart → upgrade', input({ releases: [rev(2, 'deployed', { chartName: 'nginx' })] }), { action: 'upgrade', message: 'chart nginx → podinfo' }],
  ['new spec generation, same chart and values → upgrade', input({ generation: 4 }), { action: 'upgrade', message: 'spec generation 3 → 4', resetCounters: true }],
  ['deployed revision written by the helm CLI → adopt by upgrading', input({ releases: [rev(1, 'deployed', { external: true })], status: {} }), { action: 'upgrade', reason: 'UpgradeRequired', message: 'revision 1 was written by the helm CLI; adopting it with an upgrade in place' }],
  ['adoption bounded by upgrade retries', input({ releases: [rev(1, 'deployed', { external: true })], status: attempted('upgrade', { upgradeFailures: 1 }) }), { action: 'stalled', reason: 'RetriesExceeded' }],
  [
    'out of sync after failed upgrades past retries → stalled',
    input({ releases: [rev(1, 'superseded'), rev(2, 'failed'), rev(3, 'deployed', { chartVersion: '6.5.0' })], spec: retries(0, 1), status: attempted('rollback', { upgradeFailures: 2 }) }),
    { action: 'stalled', reason: 'RetriesExceeded' },
  ],
  [
    'out of sync after a rollback with retries left → upgrade again',
    input({ releases: [rev(1, 'superseded'), rev(2, 'failed'), rev(3, 'deployed', { chartVersion: '6.5.0' })], spec: retries(0, 1), status: attempted('rollback', { upgradeFailures: 1 }) }),
    { action: 'upgrade' },
  ],
  // 5. superseded / unknown latest
  ['latest superseded (newer record deleted) → upgrade', input({ releases: [rev(1, 'superseded')] }), { action: 'upgrade', reason: 'UpgradeRequired' }],
  ['latest unknown with upgrades exhausted → stalled', input({ releases: [rev(1, 'unknown')], status: attempted('upgrade', { upgradeFailures: 1 }) }), { action: 'stalled' }],
  // 6. failed
  ['failed install with retries left → uninstall', input({ releases: [rev(1, 'failed')], spec: retries(2, 0), status: attempted('install', { installFailures: 1 }) }), { action: 'uninstall', reason: 'InstallFailed' }],
  ['failed install, retries 0 → stalled, failed release kept', input({ releases: [rev(1, 'failed')], status: attempted('install', { installFailures: 1 }) }), { action: 'stalled', reason: 'RetriesExceeded' }],
  [
    'failed install, retries exhausted → remediate the last failure',
    input({ releases: [rev(1, 'failed')], spec: retries(1, 0), status: attempted('install', { installFailures: 2 }) }),
    { action: 'uninstall', reason: 'InstallFailed', message: 'install of revision 1 failed; retries exhausted, remediating the last failure: uninstalling' },
  ],
  ['failed revision 1 with no lastAttempted → install policy', input({ releases: [rev(1, 'failed')], spec: retries(1, 0), status: { installFailures: 1 } }), { action: 'uninstall', reason: 'InstallFailed' }],
  [
    'failed upgrade → roll back to the newest deployed revision',
    input({ releases: [rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'failed')], spec: retries(0, 1), status: attempted('upgrade', { upgradeFailures: 1 }) }),
    { action: 'rollback', reason: 'UpgradeFailed', revision: 2 },
  ],
  [
    'failed upgrade after failed ones → roll back past them',
    input({ releases: [rev(3, 'superseded'), rev(4, 'failed'), rev(5, 'failed')], spec: retries(0, 3), status: attempted('upgrade', { upgradeFailures: 2 }) }),
    { action: 'rollback', revision: 3, message: 'upgrade of revision 5 failed; 1 retry left: rolling back to revision 3' },
  ],
  [
    'failed upgrade, uninstall strategy → uninstall',
    input({ releases: [rev(1, 'deployed'), rev(2, 'failed')], spec: retries(0, 1, 'uninstall'), status: attempted('upgrade', { upgradeFailures: 1 }) }),
    { action: 'uninstall', reason: 'UpgradeFailed' },
  ],
  ['failed upgrade, retries 0 → stalled', input({ releases: [rev(1, 'deployed'), rev(2, 'failed')], status: attempted('upgrade', { upgradeFailures: 1 }) }), { action: 'stalled', reason: 'RetriesExceeded' }],
  [
    'failed upgrade of a never-deployed release → uninstall',
    input({ releases: [rev(1, 'failed'), rev(2, 'failed')], spec: retries(0, 1), status: attempted('upgrade', { upgradeFailures: 1 }) }),
    { action: 'uninstall', reason: 'UpgradeFailed' },
  ],
  [
    'failed upgrade whose rollback target was deleted → stalled',
    input({ releases: [rev(7, 'failed'), rev(8, 'failed')], spec: retries(0, 1), status: attempted('upgrade', { upgradeFailures: 1 }) }),
    { action: 'stalled', reason: 'MissingRollbackTarget' },
  ],
  [
    'a failed rollback remediation → stalled',
    input({ releases: [rev(1, 'superseded'), rev(2, 'failed'), rev(3, 'failed')], spec: retries(0, 3), status: attempted('rollback', { upgradeFailures: 1 }) }),
    { action: 'stalled', reason: 'RemediationFailed' },
  ],
  [
    'failed release, new values → upgrade with counters reset',
    input({ releases: [rev(1, 'deployed'), rev(2, 'failed')], desired: { ...DESIRED, valuesDigest: 'sha256:newer' }, status: attempted('upgrade', { upgradeFailures: 9 }) }),
    { action: 'upgrade', resetCounters: true },
  ],
  [
    'failed release, forced → upgrade',
    input({ releases: [rev(1, 'deployed'), rev(2, 'failed')], status: attempted('rollback', { upgradeFailures: 9 }), annotations: { [TriggerAnnotation.ForceAt]: 'go' } }),
    { action: 'upgrade', reason: 'ForceRequested', handled: { forceAt: 'go' } },
  ],
];

describe('plan', () => {
  it.each(cases)('%s', (_name, given, expected) => {
    expect(plan(given)).toMatchObject(expected);
  });

  it('does not depend on the order records are given in', () => {
    const releases = [rev(3, 'failed'), rev(1, 'superseded'), rev(2, 'deployed')];
    expect(plan(input({ releases, spec: retries(0, 1), status: attempted('upgrade', { upgradeFailures: 1 }) }))).toMatchObject({ action: 'rollback', revision: 2 });
  });

  it('every plan carries a CamelCase reason and a message', () => {
    for (const [, given] of cases) {
      const p = plan(given);
      expect(p.reason).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(p.message).not.toBe('');
    }
  });
});

describe('rollbackTarget', () => {
  it('is the newest earlier revision that was deployed', () => {
    const latest = rev(6, 'failed');
    expect(rollbackTarget(latest, [rev(2, 'superseded'), rev(4, 'superseded'), rev(5, 'failed'), latest])?.revision).toBe(4);
    expect(rollbackTarget(latest, [rev(5, 'failed'), latest])).toBeUndefined();
  });
});

describe('summarizeRecord', () => {
  it('takes revision, status, chart and the digest of the user values, plus the stamp', () => {
    const record = sampleRecord({ version: 4, config: { b: 1, a: 2 } });
    const summary = summarizeRecord({
      record,
      secret: { name: 's', labels: {}, annotations: {}, type: '', release: '' },
      stamp: { ownerUid: 'u', writer: 'maglev-0' },
      writtenAtMs: 5000,
    });
    expect(summary).toEqual({
      revision: 4,
      status: 'deployed',
      chartName: 'podinfo',
      chartVersion: '6.5.0',
      configDigest: valuesDigest({ a: 2, b: 1 }),
      writer: 'maglev-0',
      writtenAtMs: 5000,
    });
  });
});
