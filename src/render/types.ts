/**
 * Types of the render module: what `renderChart` takes and what it returns.
 * Rendering turns a prepared chart (enabled subcharts, coalesced values) into ordered Kubernetes objects.
 */
import type { Chart, Values } from '../chart/types.js';

/** The release a chart is rendered for (`.Release` / `Release`). */
export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision: number;
  isInstall: boolean;
  isUpgrade: boolean;
}

/** What the target cluster offers (`.Capabilities` / `Capabilities`). */
export interface RenderCapabilities {
  /** Kubernetes version, e.g. `v1.35.0` or `1.35` (a leading `v` is optional). */
  kubeVersion: string;
  /** API group/versions (`apps/v1`) and group/version/kinds (`apps/v1/Deployment`) the cluster serves. */
  apiVersions: string[];
}

/** Limits and tool locations for one render. */
export interface RenderOptions {
  /** Path of the maglev-render binary for Go-template charts (else MAGLEV_RENDER_BIN, the tools cache, PATH). */
  rendererBin?: string;
  /** Wall-clock limit for the whole render, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Cap on the rendered output of the whole chart, in bytes (default 32 MiB). */
  maxOutputBytes?: number;
}

/** Input of {@link renderChart}: a chart prepared by src/chart (enabled subcharts, coalesced values). */
export interface RenderInput {
  chart: Chart;
  values: Values;
  release: ReleaseInfo;
  capabilities: RenderCapabilities;
  /** Answers the templates' `lookup` calls; without it they return an empty map (as `helm template`). */
  lookup?: LookupFn;
  options?: RenderOptions;
}

/** One `lookup` call of a template: an object by name, or (empty name) a list. */
export interface LookupRequest {
  apiVersion: string;
  kind: string;
  /** Empty for cluster-scoped kinds or all namespaces. */
  namespace: string;
  /** Empty to list. */
  name: string;
}

/** Serves `lookup`: the object (or list object), or undefined when not found. */
export type LookupFn = (req: LookupRequest) => Promise<unknown>;

/** Per-render bounds on lookups, the same for both engines. */
export interface LookupLimits {
  /** Calls answered per render. */
  maxLookups: number;
  /** Bytes of answers (as JSON) per render. */
  maxLookupBytes: number;
}

/** The default {@link LookupLimits}: 256 calls and 8 MiB of answers per render. */
export const LOOKUP_LIMITS: LookupLimits = { maxLookups: 256, maxLookupBytes: 8 * 1024 * 1024 };

/** `lookup v1 Secret ns/name` as a lookup failure names the call (Helm's wording). */
export function describeLookup(req: LookupRequest): string {
  return `lookup ${req.apiVersion} ${req.kind} ${req.namespace}/${req.name}`;
}

/** A parsed Kubernetes object with the fields rendering relies on checked. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, unknown> } & Record<string, unknown>;
  [key: string]: unknown;
}

/** One rendered object: where it came from, its YAML text as rendered, and the parsed object. */
export interface RenderedObject {
  /** Template path as Helm names it, e.g. `mychart/charts/db/templates/statefulset.yaml`. */
  source: string;
  /** The YAML document as rendered (trimmed), as stored in a release manifest. */
  text: string;
  object: KubeObject;
}

/** Hook events of the `helm.sh/hook` annotation (`test-success` is read as `test`). */
export const HookEvent = {
  PreInstall: 'pre-install',
  PostInstall: 'post-install',
  PreDelete: 'pre-delete',
  PostDelete: 'post-delete',
  PreUpgrade: 'pre-upgrade',
  PostUpgrade: 'post-upgrade',
  PreRollback: 'pre-rollback',
  PostRollback: 'post-rollback',
  Test: 'test',
} as const;
/** One hook event. */
export type HookEvent = (typeof HookEvent)[keyof typeof HookEvent];

/** Values of `helm.sh/hook-delete-policy`. */
export const HookDeletePolicy = {
  BeforeHookCreation: 'before-hook-creation',
  HookSucceeded: 'hook-succeeded',
  HookFailed: 'hook-failed',
} as const;
/** One hook delete policy. */
export type HookDeletePolicy = (typeof HookDeletePolicy)[keyof typeof HookDeletePolicy];

/** Values of `helm.sh/hook-output-log-policy`. */
export const HookOutputLogPolicy = {
  HookSucceeded: 'hook-succeeded',
  HookFailed: 'hook-failed',
} as const;
/** One hook output log policy. */
export type HookOutputLogPolicy = (typeof HookOutputLogPolicy)[keyof typeof HookOutputLogPolicy];

/** A hook object with its parsed annotations; `deletePolicies` defaults to `before-hook-creation`. */
export interface Hook extends RenderedObject {
  name: string;
  kind: string;
  events: HookEvent[];
  weight: number;
  deletePolicies: HookDeletePolicy[];
  outputLogPolicies: HookOutputLogPolicy[];
}

/**
 * Everything a render produces. Objects are in InstallOrder; hooks in Helm's stored order (InstallOrder of
 * kind, as in a release's `hooks`): run one event's hooks in `hookExecutionOrder` (weight, name, kind).
 */
export interface RenderResult {
  objects: RenderedObject[];
  hooks: Hook[];
  /** Objects from the crds/ directories of the chart and its enabled subcharts (never templated). */
  crds: RenderedObject[];
  /** The top-level chart's rendered NOTES (empty when it has none). */
  notes: string;
  /** Helm-style manifest of `objects` (`---\n# Source: path\n<doc>\n` each), for release records. */
  manifest: string;
}

/** The rendered text of one template (before splitting into documents). */
export interface TemplateOutput {
  /** Helm template name, e.g. `mychart/templates/deployment.yaml` (`.ejs` dropped). */
  source: string;
  text: string;
}
