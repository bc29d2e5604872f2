/**
 * The bookkeeping the planner relies on, as one pure function: after running a plan's action, the new
 * failure counters and `lastAttempted`. The rules that keep retries bounded:
 * - `resetCounters` zeroes the counters first;
 * - install/upgrade record their inputs (generation, chart version, values digest) in `lastAttempted`;
 *   a success zeroes the counters, a failure adds one to `failures` and to that action's counter;
 * - remediations (rollback, uninstall) only set `lastAttempted.action` and, on failure, add to `failures`:
 *   they never touch the recorded inputs or zero counters, or a failing release would retry forever;
 * - an unlock counts as a failure of the interrupted action (a crash mid-install is a failed install);
 * - none, wait and stalled change nothing.
 */
import type { HelmReleaseStatus } from '../crds/generated/types.js';
import type { Plan } from './planner.js';

/** The status fields {@link recordAttempt} maintains. */
export type AttemptStatus = Pick<HelmReleaseStatus, 'lastAttempted' | 'failures' | 'installFailures' | 'upgradeFailures'>;

/** What {@link recordAttempt} needs: the status before, the plan, how its action ended, and the inputs. */
export interface AttemptInput {
  status: AttemptStatus;
  plan: Pick<Plan, 'action' | 'resetCounters' | 'interrupted'>;
  outcome: 'succeeded' | 'failed';
  generation: number;
  desired: { chartVersion: string; valuesDigest: string };
}

/** The status fields after the plan's action ran; see the module comment. Pure. */
export function recordAttempt(input: AttemptInput): AttemptStatus {
  const { plan, outcome } = input;
  const zero = plan.resetCounters;
  const out: AttemptStatus = {
    failures: zero ? 0 : (input.status.failures ?? 0),
    installFailures: zero ? 0 : (input.status.installFailures ?? 0),
    upgradeFailures: zero ? 0 : (input.status.upgradeFailures ?? 0),
  };
  if (input.status.lastAttempted !== undefined) out.lastAttempted = { ...input.status.lastAttempted };
  const failed = (counter?: 'installFailures' | 'upgradeFailures'): AttemptStatus => {
    out.failures = (out.failures ?? 0) + 1;
    if (counter !== undefined) out[counter] = (out[counter] ?? 0) + 1;
    return out;
  };
  switch (plan.action) {
    case 'install':
    case 'upgrade': {
      out.lastAttempted = { generation: input.generation, chartVersion: input.desired.chartVersion, valuesDigest: input.desired.valuesDigest, action: plan.action };
      if (outcome === 'failed') return failed(plan.action === 'install' ? 'installFailures' : 'upgradeFailures');
      return { ...out, failures: 0, installFailures: 0, upgradeFailures: 0 };
    }
    case 'rollback':
    case 'uninstall':
      out.lastAttempted = { ...out.lastAttempted, action: plan.action };
      return outcome === 'failed' ? failed() : out;
    case 'unlock': {
      const action = plan.interrupted ?? 'upgrade';
      out.lastAttempted = { ...out.lastAttempted, action };
      if (action === 'rollback') return failed();
      return failed(action === 'install' ? 'installFailures' : 'upgradeFailures');
    }
    default:
      return out;
  }
}
