import { describe, expect, it } from 'vitest';
import { recordAttempt, type AttemptInput, type AttemptStatus } from './attempts.js';
import { plan, type PlanInput, type RecordSummary } from './planner.js';

const desired = { chartVersion: '2.0.0', valuesDigest: 'sha256:b' };
const before: AttemptStatus = {
  failures: 2,
  installFailures: 0,
  upgradeFailures: 1,
  lastAttempted: { generation: 4, chartVersion: '2.0.0', valuesDigest: 'sha256:b', action: 'upgrade' },
};

function attempt(action: AttemptInput['plan']['action'], outcome: 'succeeded' | 'failed', extra: Partial<AttemptInput['plan']> = {}): AttemptStatus {
  return recordAttempt({ status: before, plan: { action, resetCounters: false, ...extra }, outcome, generation: 5, desired });
}

describe('recordAttempt', () => {
  it.each<[string, AttemptStatus, AttemptStatus]>([
    ['upgrade failed', attempt('upgrade', 'failed'), { failures: 3, installFailures: 0, upgradeFailures: 2, lastAttempted: { generation: 5, ...desired, action: 'upgrade' } }],
    ['upgrade succeeded', attempt('upgrade', 'succeeded'), { failures: 0, installFailures: 0, upgradeFailures: 0, lastAttempted: { generation: 5, ...desired, action: 'upgrade' } }],
    ['install failed after reset', attempt('install', 'failed', { resetCounters: true }), { failures: 1, installFailures: 1, upgradeFailures: 0, lastAttempted: { generation: 5, ...desired, action: 'install' } }],
    ['rollback succeeded keeps inputs and counters', attempt('rollback', 'succeeded'), { ...before, lastAttempted: { ...before.lastAttempted, action: 'rollback' } }],
    ['uninstall failed counts a failure', attempt('uninstall', 'failed'), { ...before, failures: 3, lastAttempted: { ...before.lastAttempted, action: 'uninstall' } }],
    ['unlock of an interrupted install', attempt('unlock', 'succeeded', { interrupted: 'install' }), { ...before, failures: 3, installFailures: 1, lastAttempted: { ...before.lastAttempted, action: 'install' } }],
    ['none changes nothing', attempt('none', 'succeeded'), before],
    ['stalled with reset zeroes counters only', attempt('stalled', 'failed', { resetCounters: true }), { ...before, failures: 0, upgradeFailures: 0 }],
  ])('%s', (_name, got, want) => {
    expect(got).toEqual(want);
  });

  it('drives the planner to Stalled after retries, and a rollback does not reopen retries', () => {
    const rev = (revision: number, status: RecordSummary['status'], chartVersion = '2.0.0'): RecordSummary => ({ revision, status, chartName: 'web', chartVersion, configDigest: 'sha256:b' });
    let status: AttemptStatus = {};
    const input = (releases: RecordSummary[]): PlanInput => ({
      spec: { upgrade: { remediation: { retries: 1, strategy: 'rollback' } } },
      generation: 5,
      status,
      releases,
      desired: { chartName: 'web', ...desired },
      annotations: {},
      handled: {},
      lock: { self: 'me', now: 0, staleAfterMs: 1 },
    });
    const step = (releases: RecordSummary[], outcome: 'succeeded' | 'failed'): string => {
      const p = plan(input(releases));
      status = recordAttempt({ status, plan: p, outcome, generation: 5, desired });
      return p.action;
    };
    const actions = [
      step([rev(1, 'deployed', '1.0.0')], 'failed'),
      step([rev(1, 'deployed', '1.0.0'), rev(2, 'failed')], 'succeeded'),
      step([rev(1, 'superseded', '1.0.0'), rev(2, 'failed'), rev(3, 'deployed', '1.0.0')], 'failed'),
      step([rev(1, 'superseded', '1.0.0'), rev(2, 'failed'), rev(3, 'deployed', '1.0.0'), rev(4, 'failed')], 'succeeded'),
      step([rev(3, 'superseded', '1.0.0'), rev(4, 'failed'), rev(5, 'deployed', '1.0.0')], 'succeeded'),
    ];
    expect(actions).toEqual(['upgrade', 'rollback', 'upgrade', 'rollback', 'stalled']);
  });
});
