/**
 * The objects of a release: parsed back from a stored manifest, identified by group/kind/namespace/name,
 * prepared for apply (release namespace for namespaced kinds, none for cluster-scoped ones, Helm's
 * ownership metadata), and checked against what already exists (Helm refuses to take over an object
 * another release, or nobody, owns).
 */
import { ErrorCode, errorMessage, MaglevError } from '../../errors.js';
import { checkObject, parseDocument, splitManifests } from '../../render/manifest.js';
import type { RenderedObject } from '../../render/types.js';
import { targetOf, type TargetRef } from '../../runtime/apply.js';
import type { KubeObject } from '../../runtime/object.js';
import type { ActionContext, ReleaseRef } from './context.js';

/** Helm's ownership metadata (pkg/action/validate.go). */
export const Ownership = {
  ManagedByLabel: 'app.kubernetes.io/managed-by',
  ManagedByValue: 'Helm',
  ReleaseNameAnnotation: 'meta.helm.sh/release-name',
  ReleaseNamespaceAnnotation: 'meta.helm.sh/release-namespace',
} as const;

/** `helm.sh/resource-policy: keep` keeps an object on uninstall and when an upgrade drops it. */
export const RESOURCE_POLICY = 'helm.sh/resource-policy';

/** One object of a release with the template it came from. */
export interface ReleaseObject {
  source: string;
  object: KubeObject;
}

/** The objects of a stored release manifest (`---\n# Source: path\n<doc>` per object), in manifest order. */
export function manifestObjects(manifest: string): ReleaseObject[] {
  return splitManifests(manifest).flatMap((text, i) => {
    const source = /^# Source: (.*)$/m.exec(text)?.[1] ?? `manifest document ${i + 1}`;
    const doc = parseDocument(text, source, 0);
    if (doc === null || doc === undefined) return [];
    return [{ source, object: checkObject(doc, source, 0) as KubeObject }];
  });
}

/** Rendered objects as release objects. */
export function renderedObjects(objects: readonly RenderedObject[]): ReleaseObject[] {
  return objects.map((o) => ({ source: o.source, object: o.object as KubeObject }));
}

/** `group/kind/namespace/name` of a prepared object: what "the same object" means across revisions. */
export function identity(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${obj.kind ?? ''}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/**
 * A copy of `obj` ready to apply: namespaced kinds get the release namespace unless they name one,
 * cluster-scoped kinds lose any namespace, and (with `own`) Helm's ownership label and annotations are set.
 */
export async function prepareObject(ctx: ActionContext, release: ReleaseRef, obj: KubeObject, own = true): Promise<KubeObject> {
  const out = structuredClone(obj);
  const metadata = { ...(out.metadata ?? {}) };
  if (await ctx.applier.namespaced(out.apiVersion ?? '', out.kind ?? '')) {
    if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = release.namespace;
  } else {
    delete metadata.namespace;
  }
  if (own) {
    metadata.labels = { ...(metadata.labels ?? {}), [Ownership.ManagedByLabel]: Ownership.ManagedByValue };
    metadata.annotations = {
      ...(metadata.annotations ?? {}),
      [Ownership.ReleaseNameAnnotation]: release.name,
      [Ownership.ReleaseNamespaceAnnotation]: release.namespace,
    };
  }
  out.metadata = metadata;
  return out;
}

/** Prepares every object (see {@link prepareObject}), keeping the order. */
export async function prepareAll(ctx: ActionContext, release: ReleaseRef, objects: readonly ReleaseObject[], own = true): Promise<ReleaseObject[]> {
  const out: ReleaseObject[] = [];
  for (const o of objects) out.push({ source: o.source, object: await prepareObject(ctx, release, o.object, own) });
  return out;
}

/**
 * Prepares the objects of a STORED manifest, skipping (with a warning) those whose kind the API server no
 * longer serves: they cannot be pruned or deleted anyway, and must not block the release.
 */
export async function prepareStored(ctx: ActionContext, release: ReleaseRef, objects: readonly ReleaseObject[], own = true): Promise<ReleaseObject[]> {
  const out: ReleaseObject[] = [];
  for (const o of objects) {
    try {
      out.push({ source: o.source, object: await prepareObject(ctx, release, o.object, own) });
    } catch (err) {
      ctx.log.warn({ err: errorMessage(err), object: `${o.object.apiVersion ?? ''} ${o.object.kind ?? ''} ${o.object.metadata?.name ?? ''}` }, 'skipping a stored object whose kind is not served');
    }
  }
  return out;
}

/** Why a live object cannot be taken over by `release`, or undefined when it belongs to it. */
export function ownershipProblem(live: KubeObject, release: ReleaseRef): string | undefined {
  const problems: string[] = [];
  const label = live.metadata?.labels?.[Ownership.ManagedByLabel];
  if (label !== Ownership.ManagedByValue) problems.push(`label ${Ownership.ManagedByLabel} is ${label === undefined ? 'missing' : `"${label}"`}, must be "Helm"`);
  for (const [key, want] of [
    [Ownership.ReleaseNameAnnotation, release.name],
    [Ownership.ReleaseNamespaceAnnotation, release.namespace],
  ] as const) {
    const got = live.metadata?.annotations?.[key];
    if (got !== want) problems.push(`annotation ${key} is ${got === undefined ? 'missing' : `"${got}"`}, must be "${want}"`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/**
 * Looks each object up (through the shared caches: ReleaseApplier.lookup); throws OwnershipConflict
 * (terminal) naming every object that exists but is not owned by `release`. Returns the identities of the
 * objects that already exist (owned by the release).
 */
export async function checkOwnership(ctx: ActionContext, release: ReleaseRef, objects: readonly ReleaseObject[]): Promise<Set<string>> {
  const existing = new Set<string>();
  const conflicts: string[] = [];
  const live = await ctx.applier.lookup(objects.map(({ object }) => targetOf(object)), ctx.call);
  for (const [i, { object }] of objects.entries()) {
    const found = live[i];
    if (found === undefined) continue;
    const problem = ownershipProblem(found, release);
    if (problem === undefined) existing.add(identity(object));
    else conflicts.push(`${describe(targetOf(object))} exists and cannot be imported into release ${release.namespace}/${release.name}: ${problem}`);
  }
  if (conflicts.length > 0) {
    throw new MaglevError(ErrorCode.OwnershipConflict, conflicts.join('\n'), { terminal: true, where: conflicts.length === 1 ? conflicts[0] : undefined });
  }
  return existing;
}

/** `Kind namespace/name` (or `Kind name`) for messages. */
export function describe(ref: Pick<TargetRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}
