/**
 * Install, following Helm's flow (pkg/action/install.go): CRDs from crds/ and the ownership check come
 * first, so a refusal leaves nothing behind; then the record `pending-install` ("Initial install
 * underway") → pre-install hooks → apply every object in install order with Helm's ownership metadata →
 * wait → post-install hooks → `deployed` (hook and readiness waits park: complete.ts) ("Install complete"). Any failure after the record exists marks
 * it `failed` with `Release "<name>" failed: <what>`. Re-installing a name whose latest revision is
 * uninstalled takes the next revision and marks that one superseded, like `helm install --replace`.
 */
import { isMaglevError } from '../../errors.js';
import type { Values } from '../../chart/types.js';
import type { RenderResult } from '../../render/types.js';
import { hookRecords, newRecord } from '../build.js';
import { helmTime, ReleaseStatus, superseded, type RecordChart, type ReleaseRecord } from '../record.js';
import { FIELD_MANAGER } from '../../constants.js';
import { type ActionContext, type ActionOutcome, type ReleaseRef } from './context.js';
import { installCrds } from './crds.js';
import { checkOwnership, prepareAll, renderedObjects } from './objects.js';
import { completeRelease, failWith, runHead } from './complete.js';
import { wrap } from './steps.js';

/** Options of one install (from HelmRelease spec.install and spec.timeout). */
export interface InstallOptions {
  timeoutMs: number;
  disableHooks?: boolean;
  disableWait?: boolean;
  /** crds/ handling; default Create. */
  crds?: 'Create' | 'Skip';
  createNamespace?: boolean;
  /** Description of the deployed revision; default "Install complete". */
  description?: string;
}

/** What to install: the release, the chart as stored, the user-supplied values and the render result. */
export interface InstallInput {
  release: ReleaseRef;
  chart: RecordChart;
  config: Values;
  render: RenderResult;
  options: InstallOptions;
}

/** Installs a release; see the module comment. */
export async function install(ctx: ActionContext, input: InstallInput): Promise<ActionOutcome> {
  const { release, render, options } = input;
  let objects;
  try {
    if (options.createNamespace === true) await ensureNamespace(ctx, release.namespace);
    await installCrds(ctx, release, render.crds, options.crds ?? 'Create', options.timeoutMs);
    objects = await prepareAll(ctx, release, renderedObjects(render.objects));
    await checkOwnership(ctx, release, objects);
  } catch (err) {
    return { status: 'failed', record: undefined, error: wrap(err, `install of ${release.namespace}/${release.name} refused`) };
  }
  const latest = await ctx.storage.latest(release.name);
  const now = helmTime(ctx.clock.now());
  let record: ReleaseRecord = newRecord({
    name: release.name,
    namespace: release.namespace,
    version: (latest?.record.version ?? 0) + 1,
    status: ReleaseStatus.PendingInstall,
    description: 'Initial install underway',
    chart: input.chart,
    config: input.config,
    manifest: render.manifest,
    hooks: hookRecords(render.hooks),
    notes: render.notes,
    now,
  });
  if (latest !== undefined && latest.record.info.status !== ReleaseStatus.Failed) {
    await ctx.storage.update(superseded(latest.record));
  }
  try {
    await ctx.storage.create(record);
  } catch (err) {
    if (isMaglevError(err, 'ReleaseTooLarge') || isMaglevError(err, 'ReleaseExists')) return { status: 'failed', record: undefined, error: err };
    throw err;
  }
  const fail = failWith(ctx, 'install', release);
  const head = await runHead(ctx, 'install', record, { objects }, options, fail);
  if (head.ended !== undefined) return head.ended;
  record = head.record;
  const tail = { timeoutMs: options.timeoutMs, disableWait: options.disableWait, disableHooks: options.disableHooks, description: options.description };
  return completeRelease(ctx, 'install', record, objects, tail, fail, `installed revision ${record.version} of ${release.namespace}/${release.name}`);
}

/** Creates the namespace when missing, as `helm install --create-namespace` does. */
async function ensureNamespace(ctx: ActionContext, namespace: string): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace };
  if ((await ctx.applier.get(ref, ctx.call)) !== undefined) return;
  await ctx.applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { name: namespace } } }, { ...ctx.call, fieldManager: FIELD_MANAGER });
}
