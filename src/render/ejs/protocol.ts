/**
 * Messages between the render pool (main thread) and a render worker. Everything is plain data
 * (structured clone); template code never sees these objects, only a JSON copy inside its sandbox.
 */
import type { Values } from '../../chart/types.js';
import type { LookupRequest, TemplateOutput } from '../types.js';

/** One EJS chart of a render job. */
export interface EjsChartJob {
  /** Helm's full chart name, e.g. `parent/charts/db` (prefix of `Template.Name`). */
  name: string;
  /** Path of this chart relative to the top-level chart root, `''` or `charts/db/`, for error messages. */
  rel: string;
  /** `Chart` as templates see it (Helm's capitalised Chart.yaml fields). */
  chart: Record<string, unknown>;
  /** `Values` for this chart (its own subtree plus `global`). */
  values: Values;
  /** Non-template files by chart-relative path, base64-encoded. */
  files: Record<string, string>;
  /** Template files by chart-relative path (`templates/x.yaml.ejs`), sorted by path. */
  templates: { path: string; text: string }[];
  /** Whether `templates/NOTES.txt.ejs` renders into the release notes (top-level chart only). */
  notes: boolean;
}

/** A render job: all EJS charts of one release, rendered in one sandbox. */
export interface EjsJob {
  release: { Name: string; Namespace: string; Revision: number; IsInstall: boolean; IsUpgrade: boolean; Service: string };
  capabilities: {
    kubeVersion: { Version: string; Major: string; Minor: string; GitVersion: string };
    apiVersions: string[];
  };
  /** Cap on rendered characters (per template and in total). */
  maxOutput: number;
  /** CPU time for the template code, in milliseconds. */
  timeoutMs: number;
  /** Renders with the same key may share a (hardened) sandbox context: one namespace, never across namespaces. */
  contextKey: string;
  charts: EjsChartJob[];
  /**
   * The answers to `lookup` calls known so far, by {@link lookupKey} (null: not found). Absent: lookups are
   * not served, and every call returns an empty map (as `helm template`). Present: a call without an answer
   * returns an empty map too, and is listed in the result's `missing`, so the host fetches it and renders
   * again (see ejs/index.ts).
   */
  lookups?: Record<string, unknown>;
}

/** The key of a lookup call in {@link EjsJob.lookups}: the JSON array [apiVersion, kind, namespace, name]. */
export function lookupKey(req: LookupRequest): string {
  return JSON.stringify([req.apiVersion, req.kind, req.namespace, req.name]);
}

/** Where and why a template failed. `file` is relative to the top-level chart; `line` 0 when unknown. */
export interface EjsFailure {
  file: string;
  line: number;
  message: string;
}

/** Result of a job: each chart's template outputs and notes, in job order, or the first failure. */
export type EjsJobResult =
  | { ok: true; charts: { outputs: TemplateOutput[]; notes: string | null }[]; missing?: LookupRequest[] }
  | { ok: false; error: EjsFailure };

/** Main thread → worker. */
export interface WorkerRequest {
  id: number;
  job: EjsJob;
}

/** Worker → main thread: a job result, or the one-time ready signal. */
export type WorkerMessage = { id: number; result: EjsJobResult } | { ready: true };

/** Formats a failure as `file:line: message` (the line omitted when unknown). */
export function describeFailure(f: EjsFailure): string {
  const where = f.file === '' ? '' : f.line > 0 ? `${f.file}:${f.line}: ` : `${f.file}: `;
  return `${where}${f.message}`;
}
