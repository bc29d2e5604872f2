/**
 * The planner's answer for a failed latest revision: remediate (uninstall, or roll back to the newest
 * earlier revision that was deployed) while retries are left, remediate the last failure once when
 * retries > 0, and stall otherwise. Pure; see planner.ts for where it fits.
 */
import { ReleaseStatus } from './record.js';
import type { Plan, RecordSummary } from './planner.js';

/** The failure policy in force: which action failed, how often, what is allowed, and how to remediate. */
export interface Remediation {
  action: 'install' | 'upgrade';
  failures: number;
  retries: number;
  strategy: 'rollback' | 'uninstall';
}

/** The newest revision before `latest` that was deployed (now deployed or superseded). */
export function rollbackTarget(latest: RecordSummary, releases: readonly RecordSummary[]): RecordSummary | undefined {
  return releases
    .filter((r) => r.revision < latest.revision && (r.status === ReleaseStatus.Deployed || r.status === ReleaseStatus.Superseded))
    .sort((a, b) => b.revision - a.revision)[0];
}

/** The next step for a failed latest revision; see the module comment. */
export function remediate(latest: RecordSummary, releases: readonly RecordSummary[], policy: Remediation): Omit<Plan, 'resetCounters' | 'handled'> {
  const { action, failures, retries } = policy;
  const what = `${action} of revision ${latest.revision} failed`;
  const left = retries - failures;
  const lastChance = left < 0;
  if (lastChance && retries === 0) {
    return {
      action: 'stalled',
      reason: 'RetriesExceeded',
      message: `${what} and ${action}.remediation.retries is 0; change the spec or set maglev.io/reset-at or maglev.io/force-at to try again`,
    };
  }
  if (lastChance && failures > retries + 1) {
    // The last failure was already remediated once (a further failure would have reset the latest status).
    return { action: 'stalled', reason: 'RetriesExceeded', message: `${what} ${failures} time(s); no retries left` };
  }
  const why = lastChance ? `${what}; retries exhausted, remediating the last failure` : `${what}; ${left} retr${left === 1 ? 'y' : 'ies'} left`;
  const reason = action === 'install' ? 'InstallFailed' : 'UpgradeFailed';
  if (action === 'install' || policy.strategy === 'uninstall') {
    return { action: 'uninstall', reason, message: `${why}: uninstalling` };
  }
  const target = rollbackTarget(latest, releases);
  if (target !== undefined) {
    return { action: 'rollback', reason, message: `${why}: rolling back to revision ${target.revision}`, revision: target.revision };
  }
  const oldest = Math.min(...releases.map((r) => r.revision));
  if (oldest === 1 && !releases.some((r) => r.status === ReleaseStatus.Deployed || r.status === ReleaseStatus.Superseded)) {
    return { action: 'uninstall', reason, message: `${why}: no revision was ever deployed, uninstalling` };
  }
  return {
    action: 'stalled',
    reason: 'MissingRollbackTarget',
    message: `${what} and no earlier deployed revision is stored to roll back to`,
  };
}
