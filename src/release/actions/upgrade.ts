/**
 * Upgrade, following Helm's flow (pkg/action/upgrade.go): the current revision is the deployed one (or
 * the latest when it failed or was superseded and none is deployed); a pending latest refuses the upgrade.
 * CRDs (per policy) and ownership of objects new to the release are checked first; then a new revision
 * `pending-upgrade` ("Preparing upgrade") → pre-upgrade hooks → apply every object (taking over fields of
 * other managers only with `force`) → delete the objects the new manifest dropped, in uninstall order,
 * unless `helm.sh/resource-policy: keep` → wait → post-upgrade hooks → the old revision `superseded`, the
 * new one `deployed` ("Upgrade complete"). A failure marks the new revision `failed` (`Upgrade "<name>"
 * failed: …`) and, with `cleanupOnFail`, deletes the objects this upgrade created.
 */
import { ErrorCode, isMaglevError, MaglevError } from '../../errors.js';
import type { Values } from '../../chart/types.js';
import type { RenderResult } from '../../render/types.js';
import { hookRecords, newRecord } from '../build.js';
import { helmTime, isPending, ReleaseStatus, type RecordChart, type ReleaseRecord } from '../record.js';
import type { ActionContext, ActionOutcome, ReleaseRef } from './context.js';
import { installCrds, type CrdPolicy } from './crds.js';
import { checkOwnership, identity, manifestObjects, prepareAll, prepareStored, renderedObjects, type ReleaseObject } from './objects.js';
import { cleanupCreated, completeRelease, failWith, runHead } from './complete.js';
import { wrap } from './steps.js';

/** Options of one upgrade (from HelmRelease spec.upgrade and spec.timeout). */
export interface UpgradeOptions {
  timeoutMs: number;
  disableHooks?: boolean;
  disableWait?: boolean;
  /** crds/ handling; default Skip. */
  crds?: CrdPolicy;
  cleanupOnFail?: boolean;
  /** Take over fields owned by other field managers. */
  force?: boolean;
  /** Description of the deployed revision; default "Upgrade complete". */
  description?: string;
}

/** What to upgrade to. */
export interface UpgradeInput {
  release: ReleaseRef;
  chart: RecordChart;
  config: Values;
  render: RenderResult;
  options: UpgradeOptions;
}

/** Upgrades a release; see the module comment. */
export async function upgrade(ctx: ActionContext, input: UpgradeInput): Promise<ActionOutcome> {
  const { release, render, options } = input;
  const history = (await ctx.storage.history(release.name)).map((s) => s.record);
  const latest = history.at(-1);
  const current = history.filter((r) => r.info.status === ReleaseStatus.Deployed).at(-1) ?? latest;
  const refuse = (code: ErrorCode, message: string): ActionOutcome => ({
    status: 'failed',
    record: undefined,
    error: new MaglevError(code, `upgrade of ${release.namespace}/${release.name} refused: ${message}`, { where: release.name }),
  });
  if (latest === undefined || current === undefined) return refuse(ErrorCode.ReleaseNotFound, 'it has no revisions to upgrade');
  if (isPending(latest.info.status)) {
    return refuse(ErrorCode.ReleasePending, `revision ${latest.version} is ${latest.info.status}: another operation is in progress`);
  }
  let objects: ReleaseObject[];
  let previous: ReleaseObject[];
  let existing: Set<string>;
  try {
    await installCrds(ctx, release, render.crds, options.crds ?? 'Skip', options.timeoutMs);
    objects = await prepareAll(ctx, release, renderedObjects(render.objects));
    previous = await prepareStored(ctx, release, manifestObjects(current.manifest));
    const before = new Set(previous.map((o) => identity(o.object)));
    existing = await checkOwnership(ctx, release, objects.filter((o) => !before.has(identity(o.object))));
    for (const id of before) existing.add(id);
  } catch (err) {
    return { status: 'failed', record: undefined, error: wrap(err, `upgrade of ${release.namespace}/${release.name} refused`) };
  }
  let record: ReleaseRecord = newRecord({
    name: release.name,
    namespace: release.namespace,
    version: latest.version + 1,
    status: ReleaseStatus.PendingUpgrade,
    description: 'Preparing upgrade',
    chart: input.chart,
    config: input.config,
    manifest: render.manifest,
    hooks: hookRecords(render.hooks),
    notes: render.notes,
    firstDeployed: current.info.first_deployed === '' ? undefined : current.info.first_deployed,
    now: helmTime(ctx.clock.now()),
  });
  try {
    await ctx.storage.create(record);
  } catch (err) {
    if (isMaglevError(err, 'ReleaseTooLarge') || isMaglevError(err, 'ReleaseExists')) return { status: 'failed', record: undefined, error: err };
    throw err;
  }
  let applied = false;
  const fail = failWith(ctx, 'upgrade', release, (error: MaglevError) => (options.cleanupOnFail === true && applied ? cleanupCreated(ctx, objects, existing, error) : Promise.resolve(error)));
  // Nothing is applied while a pre-upgrade hook fails; from the apply on, a failure cleans up (cleanupOnFail).
  const head = await runHead(ctx, 'upgrade', record, { objects, previous, force: options.force === true }, options, (err, what, r) => {
    applied = what === 'upgrade';
    return fail(err, what, r);
  });
  if (head.ended !== undefined) return head.ended;
  applied = true;
  record = head.record;
  const tail = { timeoutMs: options.timeoutMs, disableWait: options.disableWait, disableHooks: options.disableHooks, description: options.description };
  return completeRelease(ctx, 'upgrade', record, objects, tail, fail, `upgraded ${release.namespace}/${release.name} to revision ${record.version}`);
}
