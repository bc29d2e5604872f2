/**
 * Helm hook annotations: `helm.sh/hook` (events), `helm.sh/hook-weight`, `helm.sh/hook-delete-policy`,
 * `helm.sh/hook-output-log-policy`. Values are comma lists, trimmed and lower-cased as Helm reads them.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import {
  HookDeletePolicy,
  HookEvent,
  HookOutputLogPolicy,
  type Hook,
  type RenderedObject,
} from './types.js';

/** Annotation names Helm reads on hook objects. */
export const HookAnnotation = {
  Hook: 'helm.sh/hook',
  Weight: 'helm.sh/hook-weight',
  DeletePolicy: 'helm.sh/hook-delete-policy',
  OutputLogPolicy: 'helm.sh/hook-output-log-policy',
} as const;

const EVENTS: ReadonlyMap<string, HookEvent> = new Map<string, HookEvent>([
  ...Object.values(HookEvent).map((e): [string, HookEvent] => [e, e]),
  ['test-success', HookEvent.Test],
]);
const DELETE_POLICIES = new Set<string>(Object.values(HookDeletePolicy));
const LOG_POLICIES = new Set<string>(Object.values(HookOutputLogPolicy));

function annotation(obj: RenderedObject, name: string): string | undefined {
  const v = obj.object.metadata.annotations?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new MaglevError(
      ErrorCode.ManifestInvalid,
      `${obj.source}: annotation ${name} of ${obj.object.kind} ${obj.object.metadata.name} must be a string`,
      { terminal: true, where: obj.source },
    );
  }
  return v;
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((s) => s.trim().toLowerCase());
}

/** Go `strconv.Atoi` for hook weights: an optional sign and decimal digits within int64, else 0. */
export function hookWeight(value: string | undefined): number {
  if (value === undefined || !/^[+-]?[0-9]+$/.test(value)) return 0;
  const n = BigInt(value);
  if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) return 0;
  return Number(n);
}

/**
 * The hook an object declares: undefined when it has no `helm.sh/hook` annotation, `'skip'` when an
 * event is unknown (Helm drops such a manifest entirely), else the hook with its policies.
 */
export function parseHook(obj: RenderedObject): Hook | 'skip' | undefined {
  const raw = annotation(obj, HookAnnotation.Hook);
  if (raw === undefined) return undefined;
  const events: HookEvent[] = [];
  for (const name of list(raw)) {
    const event = EVENTS.get(name);
    if (event === undefined) return 'skip';
    events.push(event);
  }
  const deletePolicies = list(annotation(obj, HookAnnotation.DeletePolicy)).filter((p): p is HookDeletePolicy =>
    DELETE_POLICIES.has(p),
  );
  const outputLogPolicies = list(annotation(obj, HookAnnotation.OutputLogPolicy)).filter(
    (p): p is HookOutputLogPolicy => LOG_POLICIES.has(p),
  );
  return {
    ...obj,
    name: obj.object.metadata.name,
    kind: obj.object.kind,
    events,
    weight: hookWeight(annotation(obj, HookAnnotation.Weight)),
    deletePolicies: deletePolicies.length > 0 ? deletePolicies : [HookDeletePolicy.BeforeHookCreation],
    outputLogPolicies,
  };
}
