/**
 * The release planner: a pure function from what is observed (the HelmRelease spec, status counters and
 * annotations, the stored Helm revisions, the desired chart version and values digest) to the ONE next
 * action, modelled on Flux helm-controller's atomic-release state machine. The caller runs the action,
 * records the outcome (failure counters, lastAttempted, handled tokens), and plans again.
 *
 * Rules, first match wins:
 * 1. latest revision pending-* → parked by this HelmRelease (status.inProgress): `resume` it, or `unlock` it
 *    as superseded when the generation or force token changed; otherwise `unlock` (mark it failed) when its
 *    lock is stale, else `wait`;
 * 2. latest uninstalling (an interrupted uninstall) → `uninstall` to finish it;
 * 3. no revision, or latest uninstalled → `install` (`stalled` RetriesExceeded when install failures
 *    exceed install.remediation.retries, unless forced);
 * 4. latest deployed: in sync → `none` (or `upgrade` when forced), unless spec.test is enabled and either
 *    its tests are running (status.inProgress `test` of this revision and generation) → `resume` them, or
 *    the tests the last install or upgrade ran on it failed: then it is remediated as in rule 6; out of sync (chart, version, values,
 *    a spec generation newer than the last attempt's, or a revision written by the helm CLI or by a deleted
 *    HelmRelease, which is
 *    adopted by upgrading it in place) → `upgrade` (`stalled` when upgrade failures exceed
 *    upgrade.remediation.retries, unless forced);
 * 5. latest superseded or unknown (a newer record was deleted) → `upgrade`, bounded like rule 4;
 * 6. latest failed: forced or inputs changed → `upgrade`; left failed by a
 *    remediation (lastAttempted.action rollback/uninstall) → `stalled` RemediationFailed; otherwise
 *    remediate per the failed action's policy: install → `uninstall`; upgrade → `rollback` to the newest
 *    earlier deployed/superseded revision (`uninstall` when none was ever deployed, `stalled`
 *    MissingRollbackTarget when it is gone) or `uninstall`. With retries left the action is retried after
 *    remediation; once exhausted, the last failure is still remediated when retries > 0 (Flux's
 *    remediateLastFailure), then `stalled` RetriesExceeded.
 * Failure counters count only while the inputs stay the same: a new generation, chart version or values
 * digest (against status.lastAttempted), or a new `maglev.io/reset-at` token, makes them zero
 * (`resetCounters`). A new `maglev.io/force-at` token forces one install or upgrade.
 */
import { TriggerAnnotation } from '../constants.js';
import type { HelmReleaseSpec, HelmReleaseStatus } from '../crds/generated/types.js';
import { isPending, ReleaseStatus, type ReleaseStatusValue } from './record.js';
import { remediate, type Remediation } from './planner-remediation.js';


/** What the planner needs to know of one stored revision. */
export interface RecordSummary {
  revision: number;
  status: ReleaseStatusValue;
  chartName: string;
  chartVersion: string;
  /** Digest (src/chart valuesDigest) of the record's `config`, the user-supplied values. */
  configDigest: string;
  /** Operator replica that wrote the record last (its stamp); undefined when helm itself did. */
  writer?: string;
  /** When the record Secret was last written, in ms. */
  writtenAtMs?: number;
  /** True when someone other than the operator (the helm CLI) wrote the record last. */
  external?: boolean;
  /** True when another HelmRelease (one that no longer exists: see reconcile/claim.ts) wrote it last. */
  foreign?: boolean;
  /** True when a test hook (`helm.sh/hook: test`) of this revision last ran and failed. */
  testsFailed?: boolean;
}

/** Everything the planner reads; see the module comment. */
export interface PlanInput {
  spec: Pick<HelmReleaseSpec, 'install' | 'upgrade' | 'test'>;
  generation: number;
  /**
   * Failure counters and the last attempt. `lastAttempted.action` is the last action run (remediations
   * included), but its generation, chartVersion and valuesDigest must be the inputs of the last install or
   * upgrade: a remediation must not overwrite them, or the counters would reset forever.
   */
  status: Pick<HelmReleaseStatus, 'lastAttempted' | 'installFailures' | 'upgradeFailures'>;
  /** Stored revisions of the release, in any order. */
  releases: readonly RecordSummary[];
  desired: { chartName: string; chartVersion: string; valuesDigest: string };
  /** metadata.annotations of the HelmRelease. */
  annotations: Readonly<Record<string, string>>;
  /** Trigger tokens already acted on (status.lastHandled*). */
  handled: { forceAt?: string; resetAt?: string };
  /**
   * This replica's identity, the time, and how old a pending record of another writer must be to be stale.
   * `elected`: this replica acts only while it holds the leader lease, so another replica's pending record
   * was left by a former leader (fenced when it lost the lease) and is abandoned at once; helm's own pending
   * records still wait until stale.
   */
  lock: { self: string; now: number; staleAfterMs: number; elected?: boolean };
  /**
   * status.inProgress: the revision this HelmRelease parked while waiting for its objects, or (`test`) the
   * deployed revision whose chart tests are running, if any.
   */
  inProgress?: { action: 'install' | 'upgrade' | 'rollback' | 'test'; revision: number; generation: number };
}

/** The planner's possible answers. */
export type PlanAction = 'install' | 'upgrade' | 'rollback' | 'uninstall' | 'unlock' | 'resume' | 'wait' | 'none' | 'stalled';

/** The next action, why (CamelCase reason plus message), and the bookkeeping the caller must do. */
export interface Plan {
  action: PlanAction;
  reason: string;
  message: string;
  /** Rollback target, or the pending revision to unlock. */
  revision?: number;
  /** Zero the failure counters before acting (the inputs changed or a reset was requested). */
  resetCounters: boolean;
  /** Trigger tokens this plan consumes: record them as handled once the action has run. */
  handled: { forceAt?: string; resetAt?: string };
  /** For `wait`: when to look again. */
  retryAfterMs?: number;
  /** For `unlock`: the action the pending revision was left by (it counts as a failure of that action). */
  interrupted?: 'install' | 'upgrade' | 'rollback';
  /** For `unlock` of a parked revision that a newer generation or force token supersedes: why, for its record. */
  superseded?: string;
  /** For `resume`: the action whose parked revision is resumed (`test`: the chart tests of a deployed one). */
  resumes?: 'install' | 'upgrade' | 'rollback' | 'test';
}

/** Decides the next action; pure. */
export function plan(input: PlanInput): Plan {
  const releases = [...input.releases].sort((a, b) => a.revision - b.revision);
  const latest = releases.at(-1);
  const forceAt = newToken(input.annotations[TriggerAnnotation.ForceAt], input.handled.forceAt);
  const resetAt = newToken(input.annotations[TriggerAnnotation.ResetAt], input.handled.resetAt);
  const resetCounters = resetAt !== undefined || inputsChanged(input);
  const installFailures = resetCounters ? 0 : (input.status.installFailures ?? 0);
  const upgradeFailures = resetCounters ? 0 : (input.status.upgradeFailures ?? 0);
  const base = { resetCounters, handled: resetAt === undefined ? {} : { resetAt } };
  const forced = (action: 'install' | 'upgrade', message: string): Plan => ({
    action,
    reason: 'ForceRequested',
    message,
    ...base,
    handled: { ...base.handled, forceAt },
  });

  if (latest !== undefined && isPending(latest.status)) {
    const parked = input.inProgress;
    if (parked === undefined || parked.action === 'test' || parked.revision !== latest.revision) return unlockOrWait(latest, input.lock, base);
    // Our own revision, parked while its objects become ready: resume it, unless the spec moved on.
    const by = parked.generation !== input.generation ? `generation ${input.generation}` : forceAt !== undefined ? `${TriggerAnnotation.ForceAt}=${forceAt}` : undefined;
    if (by !== undefined) {
      const message = `revision ${latest.revision} (${parked.action} of generation ${parked.generation}) superseded by ${by}`;
      return { action: 'unlock', reason: 'Superseded', message, revision: latest.revision, interrupted: parked.action, superseded: `superseded by ${by}`, ...base };
    }
    return { action: 'resume', reason: 'Progressing', message: `revision ${latest.revision} is ${latest.status}, waiting for its objects`, revision: latest.revision, resumes: parked.action, ...base };
  }
  if (latest?.status === ReleaseStatus.Uninstalling) {
    return { action: 'uninstall', reason: 'UninstallInterrupted', message: `revision ${latest.revision} was left uninstalling; finishing the uninstall`, ...base };
  }
  const installRetries = input.spec.install?.remediation?.retries ?? 0;
  if (latest === undefined || latest.status === ReleaseStatus.Uninstalled) {
    if (forceAt !== undefined) return forced('install', 'install forced by maglev.io/force-at');
    if (installFailures > installRetries) return exhausted('install', installFailures, installRetries, base);
    const message = latest === undefined ? 'no release stored' : `revision ${latest.revision} is uninstalled`;
    return { action: 'install', reason: 'InstallRequired', message, ...base };
  }
  const upgradeRetries = input.spec.upgrade?.remediation?.retries ?? 0;
  if (latest.status === ReleaseStatus.Deployed) {
    const drift = outOfSync(latest, input.desired) ?? specChanged(input) ?? adoption(latest);
    if (forceAt !== undefined) return forced('upgrade', `upgrade forced by maglev.io/force-at${drift === undefined ? '' : ` (${drift})`}`);
    const last = input.status.lastAttempted?.action;
    const testing = input.inProgress;
    if (drift === undefined && testing?.action === 'test' && testing.revision === latest.revision && testing.generation === input.generation && input.spec.test?.enable === true) {
      return { action: 'resume', reason: 'Progressing', message: `the tests of revision ${latest.revision} are running`, revision: latest.revision, resumes: 'test', ...base };
    }
    if (drift === undefined && latest.testsFailed === true && input.spec.test?.enable === true && (last === 'install' || last === 'upgrade')) {
      const remediation: Remediation =
        last === 'install'
          ? { action: 'install', failures: installFailures, retries: installRetries, strategy: 'uninstall' }
          : { action: 'upgrade', failures: upgradeFailures, retries: upgradeRetries, strategy: input.spec.upgrade?.remediation?.strategy ?? 'rollback' };
      const next = remediate(latest, releases, remediation);
      return { ...next, message: `the tests of revision ${latest.revision} failed; ${next.message}`, ...base };
    }
    if (drift === undefined) return { action: 'none', reason: 'InSync', message: `revision ${latest.revision} is deployed and up to date`, ...base };
    if (upgradeFailures > upgradeRetries) return exhausted('upgrade', upgradeFailures, upgradeRetries, base);
    return { action: 'upgrade', reason: 'UpgradeRequired', message: drift, ...base };
  }
  if (forceAt !== undefined) return forced('upgrade', `upgrade of ${latest.status} revision ${latest.revision} forced by maglev.io/force-at`);
  if (latest.status !== ReleaseStatus.Failed) {
    if (upgradeFailures > upgradeRetries) return exhausted('upgrade', upgradeFailures, upgradeRetries, base);
    return { action: 'upgrade', reason: 'UpgradeRequired', message: `latest revision ${latest.revision} is ${latest.status}; upgrading to the desired state`, ...base };
  }
  if (resetCounters) {
    return { action: 'upgrade', reason: 'UpgradeRequired', message: `revision ${latest.revision} is ${latest.status}; retrying with new inputs`, ...base };
  }
  const last = input.status.lastAttempted?.action;
  if (last === 'rollback' || last === 'uninstall') {
    return {
      action: 'stalled',
      reason: 'RemediationFailed',
      message: `the ${last} remediating an earlier failure left revision ${latest.revision} ${latest.status}; change the spec or set maglev.io/reset-at or maglev.io/force-at to try again`,
      ...base,
    };
  }
  const everDeployed = releases.some((r) => r.status === ReleaseStatus.Deployed || r.status === ReleaseStatus.Superseded);
  const remediation: Remediation =
    last === 'install' || (last === undefined && !everDeployed)
      ? { action: 'install', failures: installFailures, retries: installRetries, strategy: 'uninstall' }
      : { action: 'upgrade', failures: upgradeFailures, retries: upgradeRetries, strategy: input.spec.upgrade?.remediation?.strategy ?? 'rollback' };
  return { ...remediate(latest, releases, remediation), ...base };
}

/** The token when it is set and differs from the handled one. */
function newToken(value: string | undefined, handled: string | undefined): string | undefined {
  return value !== undefined && value !== '' && value !== handled ? value : undefined;
}

function inputsChanged(input: PlanInput): boolean {
  const last = input.status.lastAttempted;
  if (last === undefined) return false;
  return last.generation !== input.generation || last.chartVersion !== input.desired.chartVersion || last.valuesDigest !== input.desired.valuesDigest;
}

/** Why the deployed revision differs from the desired state, or undefined when it does not. */
function outOfSync(latest: RecordSummary, desired: PlanInput['desired']): string | undefined {
  if (latest.chartName !== desired.chartName) return `chart ${latest.chartName} → ${desired.chartName}`;
  if (latest.chartVersion !== desired.chartVersion) return `chart version ${latest.chartVersion} → ${desired.chartVersion}`;
  if (latest.configDigest !== desired.valuesDigest) return 'values changed';
  return undefined;
}

/** Why a new spec generation asks for an upgrade: it is newer than the one last installed or upgraded. */
function specChanged(input: PlanInput): string | undefined {
  const last = input.status.lastAttempted?.generation;
  return last !== undefined && last !== input.generation ? `spec generation ${last} → ${input.generation}` : undefined;
}

/** A deployed revision the helm CLI or a deleted HelmRelease wrote is adopted: upgraded in place, so this HelmRelease's record is newest. */
function adoption(latest: RecordSummary): string | undefined {
  if (latest.external === true) return `revision ${latest.revision} was written by the helm CLI; adopting it with an upgrade in place`;
  if (latest.foreign === true) return `revision ${latest.revision} was written by another HelmRelease that no longer exists; adopting it with an upgrade in place`;
  return undefined;
}

function exhausted(action: 'install' | 'upgrade', failures: number, retries: number, base: Pick<Plan, 'resetCounters' | 'handled'>): Plan {
  return {
    action: 'stalled',
    reason: 'RetriesExceeded',
    message: `${action} failed ${failures} time(s) with ${retries} retr${retries === 1 ? 'y' : 'ies'} allowed; change the spec or set maglev.io/reset-at or maglev.io/force-at to try again`,
    ...base,
  };
}

function unlockOrWait(latest: RecordSummary, lock: PlanInput['lock'], base: Pick<Plan, 'resetCounters' | 'handled'>): Plan {
  const age = latest.writtenAtMs === undefined ? Infinity : lock.now - latest.writtenAtMs;
  const formerLeader = lock.elected === true && latest.writer !== undefined && latest.external !== true && latest.foreign !== true;
  if (latest.writer === lock.self || formerLeader || age >= lock.staleAfterMs) {
    const by = latest.writer === undefined ? 'helm' : latest.writer === lock.self ? 'this replica' : formerLeader ? `${latest.writer} (a former leader)` : latest.writer;
    const interrupted = latest.status === ReleaseStatus.PendingInstall ? 'install' : latest.status === ReleaseStatus.PendingUpgrade ? 'upgrade' : 'rollback';
    const message = `revision ${latest.revision} was left ${latest.status} by ${by}; marking it failed`;
    return { action: 'unlock', reason: 'StalePendingRelease', message, revision: latest.revision, interrupted, ...base };
  }
  const waitMs = Math.max(1000, lock.staleAfterMs - age);
  return {
    action: 'wait',
    reason: 'ReleaseLocked',
    message: `revision ${latest.revision} is ${latest.status}, written by ${latest.writer ?? 'helm'} ${Math.round(age / 1000)}s ago; another operation may be in progress`,
    revision: latest.revision,
    retryAfterMs: waitMs,
    ...base,
  };
}
