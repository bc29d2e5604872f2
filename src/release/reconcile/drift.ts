/**
 * The drift step of an in-sync reconcile (spec.driftDetection.mode; see ../drift.ts for what drift is):
 * - disabled: no check, no Drifted condition;
 * - a pass that just installed, upgraded or rolled back: the cluster is the revision it applied, so
 *   Drifted=False without a check (the next in-sync reconcile checks);
 * - warn: Drifted=True (DriftDetected) naming the objects and fields, one Warning Event, nothing changed;
 * - enabled: the drifted objects are applied again; Drifted=False (DriftCorrected) and a Normal Event, or
 *   Drifted=True (DriftCorrectionFailed) with the failure, which makes Ready False and the reconcile retry.
 *   DriftCorrected stays (later clean checks keep it) until the next revision or the next drift, so the
 *   last correction remains visible instead of flipping to NoDriftDetected a moment later.
 * A check that cannot run (API error) sets Drifted=Unknown (DriftCheckFailed) and leaves Ready alone.
 * The NoDriftDetected message depends only on the revision, so an unchanged release computes the same
 * condition every time and its reconcile writes nothing.
 */
import type { HelmRelease, HelmReleaseSpec } from '../../crds/generated/types.js';
import { errorMessage, isMaglevError, MaglevError, ErrorCode } from '../../errors.js';
import { getCondition } from '../../runtime/conditions.js';
import { refOf } from '../../runtime/object.js';
import type { ActionContext } from '../actions/context.js';
import { correctDrift, describeDrift, detectDrift, optedOut } from '../drift.js';
import type { ReleaseRecord } from '../record.js';
import type { ConditionChange } from './act.js';
import type { ReleaseDriverDeps, ReleaseScope } from './types.js';

/** The Drifted condition type and its reasons. */
export const Drifted = {
  Type: 'Drifted',
  NoDriftDetected: 'NoDriftDetected',
  DriftDetected: 'DriftDetected',
  DriftCorrected: 'DriftCorrected',
  DriftCorrectionFailed: 'DriftCorrectionFailed',
  DriftCheckFailed: 'DriftCheckFailed',
} as const;

/** What the drift step decided: the Drifted condition (null: remove it) and a correction failure, if any. */
export interface DriftOutcome {
  condition: ConditionChange;
  failure?: MaglevError;
}

/** What {@link driftStep} needs. */
export interface DriftInput {
  deps: Pick<ReleaseDriverDeps, 'events' | 'onAction' | 'now'>;
  hr: HelmRelease;
  spec: HelmReleaseSpec;
  scope: ReleaseScope;
  ctx: ActionContext;
  /** The deployed revision the release is in sync with. */
  deployed: ReleaseRecord;
  /** Whether this pass ran an action (so the cluster was just made to match). */
  acted: boolean;
}

function inSync(record: ReleaseRecord, release: ReleaseScope['release']): ConditionChange {
  const off = optedOut(record);
  const note = off === 0 ? '' : ` (${off} object(s) opted out with maglev.io/drift-detection: disabled)`;
  return { type: Drifted.Type, status: 'False', reason: Drifted.NoDriftDetected, message: `the cluster matches revision ${record.version} of ${release.namespace}/${release.name}${note}` };
}

function correctedPrefix(record: ReleaseRecord): string {
  return `corrected drift from revision ${record.version}:`;
}

/** Runs the drift step; see the module comment. */
export async function driftStep(input: DriftInput): Promise<DriftOutcome> {
  const { deps, hr, spec, scope, ctx, deployed } = input;
  const mode = spec.driftDetection?.mode ?? 'enabled';
  if (mode === 'disabled') return { condition: null };
  if (input.acted) return { condition: inSync(deployed, scope.release) };
  let report;
  try {
    report = await detectDrift(ctx, scope.release, deployed);
  } catch (err) {
    if (scope.signal.aborted) throw err;
    scope.log.warn({ err: errorMessage(err) }, 'drift check failed');
    return { condition: { type: Drifted.Type, status: 'Unknown', reason: Drifted.DriftCheckFailed, message: errorMessage(err) } };
  }
  if (report.drifted.length === 0) {
    // The last correction stays visible until the next revision or the next drift.
    const current = getCondition(hr.status?.conditions, Drifted.Type);
    if (current?.reason === Drifted.DriftCorrected && current.message.startsWith(correctedPrefix(deployed))) {
      return { condition: { type: Drifted.Type, status: 'False', reason: Drifted.DriftCorrected, message: current.message } };
    }
    return { condition: inSync(deployed, scope.release) };
  }
  const what = `${report.drifted.length} of ${report.checked} object(s) differ from revision ${deployed.version}: ${describeDrift(report.drifted)}`;
  const ref = refOf(hr);
  if (mode === 'warn') {
    await deps.events.record(ref, { type: 'Warning', reason: Drifted.DriftDetected, action: 'DetectDrift', note: `${what}; driftDetection.mode is warn, nothing was changed` });
    return { condition: { type: Drifted.Type, status: 'True', reason: Drifted.DriftDetected, message: what } };
  }
  const now = deps.now ?? Date.now;
  const started = now();
  try {
    await correctDrift(ctx, report.drifted, spec.upgrade?.force === true);
  } catch (err) {
    if (scope.signal.aborted) throw err;
    deps.onAction?.('drift-correction', 'failed', (now() - started) / 1000);
    const failure = isMaglevError(err) ? err : new MaglevError(ErrorCode.ApiError, errorMessage(err), { cause: err });
    const message = `${what}; correcting it failed: ${failure.message}`;
    await deps.events.record(ref, { type: 'Warning', reason: Drifted.DriftCorrectionFailed, action: 'CorrectDrift', note: message });
    return {
      condition: { type: Drifted.Type, status: 'True', reason: Drifted.DriftCorrectionFailed, message },
      failure: new MaglevError(ErrorCode.DriftCorrectionFailed, message, { cause: failure }),
    };
  }
  deps.onAction?.('drift-correction', 'succeeded', (now() - started) / 1000);
  const message = `${correctedPrefix(deployed)} ${describeDrift(report.drifted)}`;
  await deps.events.record(ref, { type: 'Normal', reason: Drifted.DriftCorrected, action: 'CorrectDrift', note: message });
  return { condition: { type: Drifted.Type, status: 'False', reason: Drifted.DriftCorrected, message } };
}
