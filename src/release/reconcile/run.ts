/**
 * Runs the action a plan chose, with the options of the HelmRelease spec. The chart is rendered here, only
 * when the action needs it (install, upgrade), for the revision it will write; a render error (template
 * error, invalid or duplicate object) is a failed attempt that changed nothing, like an install Helm refuses.
 *
 * With spec.test.enable, a successful install or upgrade is followed by the chart tests, as `helm test`
 * runs them: the `test` hooks in hook order with their delete policies, each awaited within
 * spec.test.timeout (default spec.timeout), their last runs stored in the revision's record (so
 * `helm status` lists the test suite). The revision stays deployed either way, as with `helm test`; a failed
 * test makes the action count as failed (reason TestFailed), so the planner remediates it.
 */
import { parseDuration } from '../../crds/duration.js';
import type { HelmReleaseSpec } from '../../crds/generated/types.js';
import { ErrorCode, isMaglevError, MaglevError } from '../../errors.js';
import { HookEvent } from '../../render/types.js';
import type { RenderResult } from '../../render/types.js';
import { chartRecord } from '../build.js';
import type { ActionContext, ActionOutcome, ReleaseRef } from '../actions/context.js';
import { install } from '../actions/install.js';
import { rollback } from '../actions/rollback.js';
import { uninstall, type UninstallOptions } from '../actions/uninstall.js';
import { unlock } from '../actions/unlock.js';
import { runEvent } from '../actions/steps.js';
import { upgrade } from '../actions/upgrade.js';
import { hookRunOrder } from '../hooks.js';
import type { Plan } from '../planner.js';
import { ReleaseStatus, type ReleaseRecord } from '../record.js';
import { resume } from '../actions/complete.js';
import type { RunnablePlan } from './conditions.js';
import type { DesiredRelease } from './inputs.js';
import type { ParkedWait } from './act.js';

/** Renders the desired chart for `revision` of the release. */
export type Renderer = (revision: number, isInstall: boolean) => Promise<RenderResult>;

/** What {@link runAction} needs. */
export interface RunInput {
  ctx: ActionContext;
  plan: Plan & { action: RunnablePlan };
  release: ReleaseRef;
  spec: HelmReleaseSpec;
  timeoutMs: number;
  desired: DesiredRelease;
  render: Renderer;
  /** For `resume` and `uninstall`: where the parked action stands (status.inProgress). */
  parked?: ParkedWait;
}

async function renderFor(input: RunInput, isInstall: boolean): Promise<RenderResult | MaglevError> {
  const latest = await input.ctx.storage.latest(input.release.name);
  try {
    return await input.render((latest?.record.version ?? 0) + 1, isInstall);
  } catch (err) {
    if (isMaglevError(err)) return err;
    throw err;
  }
}

/**
 * Runs the chart tests after a successful install or upgrade when spec.test.enable is set. A test hook that
 * is still running parks the run (`waiting`, phase `test`): the deployed record keeps each hook's start, so
 * {@link resumeTests} goes on where it stopped, with each hook's deadline its start plus the test timeout.
 */
async function withTests(input: RunInput, outcome: ActionOutcome): Promise<ActionOutcome> {
  const { spec } = input;
  if (outcome.status !== 'succeeded' || outcome.record === undefined || spec.test?.enable !== true) return outcome;
  return runTests(input, outcome.record, outcome.message);
}

async function runTests(input: RunInput, record: ReleaseRecord, message: string): Promise<ActionOutcome> {
  const { ctx, spec } = input;
  const hooks = hookRunOrder(record.hooks, HookEvent.Test).length;
  const timeoutMs = spec.test?.timeout === undefined ? input.timeoutMs : parseDuration(spec.test.timeout, 'spec.test.timeout');
  const run = await runEvent(ctx, record, HookEvent.Test, timeoutMs, false, true);
  if (run.parked !== undefined) return { status: 'waiting', record: run.record, message: run.parked.message, deadline: run.parked.deadline, phase: 'test' };
  await ctx.storage.update(run.record);
  if (run.error === undefined) return { status: 'succeeded', record: run.record, message, tests: { hooks } };
  const error = new MaglevError(ErrorCode.TestFailed, `${message}, but its tests failed: ${run.error.message}`, { cause: run.error });
  return { status: 'failed', record: run.record, error, tests: { hooks, error: run.error } };
}

/** Resumes the parked chart tests of deployed revision `plan.revision`; a revision no longer deployed is left alone. */
async function resumeTests(input: RunInput): Promise<ActionOutcome> {
  const { ctx, release, plan } = input;
  const stored = (await ctx.storage.history(release.name)).find((s) => s.record.version === plan.revision);
  if (stored === undefined || stored.record.info.status !== ReleaseStatus.Deployed) {
    return { status: 'succeeded', record: stored?.record, message: `revision ${plan.revision ?? 0} of ${release.namespace}/${release.name} is no longer deployed` };
  }
  return runTests(input, stored.record, `revision ${stored.record.version} of ${release.namespace}/${release.name} is deployed`);
}

/**
 * The options of every uninstall of a HelmRelease (remediation, or its deletion): the spec's, waiting
 * until the objects are gone as `helm uninstall --wait` does, with every wait parked; `parked` is what
 * status.inProgress recorded for a parked uninstall.
 */
export function uninstallOptions(spec: HelmReleaseSpec, timeoutMs: number, parked?: ParkedWait): UninstallOptions {
  const u = spec.uninstall ?? {};
  return { timeoutMs, disableHooks: u.disableHooks, keepHistory: u.keepHistory === true, wait: true, park: true, ...parked };
}

/** Runs `input.plan.action`; see the module comment. API failures while bookkeeping are thrown. */
export async function runAction(input: RunInput): Promise<ActionOutcome> {
  if (input.plan.action === 'resume' && input.plan.resumes === 'test') return resumeTests(input);
  const outcome = await runPlanned(input);
  const did = input.plan.action === 'resume' ? input.plan.resumes : input.plan.action;
  return did === 'install' || did === 'upgrade' ? withTests(input, outcome) : outcome;
}

async function runPlanned(input: RunInput): Promise<ActionOutcome> {
  const { ctx, plan, release, spec, timeoutMs, desired } = input;
  switch (plan.action) {
    case 'install': {
      const render = await renderFor(input, true);
      if (render instanceof MaglevError) return { status: 'failed', record: undefined, error: render };
      const i = spec.install ?? {};
      return install(ctx, {
        release,
        chart: chartRecord(desired.prepared.chart),
        config: desired.config,
        render,
        options: { timeoutMs, disableHooks: i.disableHooks, disableWait: i.disableWait, crds: i.crds, createNamespace: i.createNamespace },
      });
    }
    case 'upgrade': {
      const render = await renderFor(input, false);
      if (render instanceof MaglevError) return { status: 'failed', record: undefined, error: render };
      const u = spec.upgrade ?? {};
      return upgrade(ctx, {
        release,
        chart: chartRecord(desired.prepared.chart),
        config: desired.config,
        render,
        options: { timeoutMs, disableHooks: u.disableHooks, disableWait: u.disableWait, crds: u.crds, cleanupOnFail: u.cleanupOnFail, force: u.force },
      });
    }
    case 'rollback':
      return rollback(ctx, {
        release,
        toRevision: plan.revision ?? 0,
        options: { timeoutMs, disableHooks: spec.rollback?.disableHooks, disableWait: spec.rollback?.disableWait },
      });
    case 'uninstall':
      return uninstall(ctx, { release, options: uninstallOptions(spec, timeoutMs, input.parked) });
    case 'unlock':
      return unlock(ctx, { release, revision: plan.revision ?? 0, ...(plan.superseded === undefined ? {} : { superseded: plan.superseded }) });
    case 'resume': {
      const action = plan.resumes === undefined || plan.resumes === 'test' ? 'upgrade' : plan.resumes;
      const own = action === 'install' ? spec.install : action === 'upgrade' ? spec.upgrade : spec.rollback;
      const deadline = input.parked?.deadline ?? ctx.clock.now();
      const hooksSince = input.parked?.hooksSince;
      const applied = input.parked?.applied === true ? { applied: true } : {};
      const options = { timeoutMs, deadline, ...(hooksSince === undefined ? {} : { hooksSince }), ...applied, disableWait: own?.disableWait, disableHooks: own?.disableHooks, force: spec.upgrade?.force, cleanupOnFail: spec.upgrade?.cleanupOnFail };
      return resume(ctx, { release, action, revision: plan.revision ?? 0, options });
    }
  }
}
