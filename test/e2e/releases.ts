/**
 * Helpers for the HelmRelease e2e tests: HelmRelease CRUD as raw JSON, waiting on its status, reading a
 * release record Secret the way Helm decodes it, and running the pinned helm CLI against the test cluster
 * (with throwaway config/cache/data directories, so nothing of the developer's helm setup is used).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { inject } from 'vitest';
import type { HelmRelease, HelmReleaseStatus } from '../../src/crds/index.js';
import { KubeApiClient } from '../../src/runtime/client.js';
import { kubeConfig, waitFor } from './harness.js';
import { toolPath } from './paths.js';

const run = promisify(execFile);

/** Raw JSON access to the run's API server. */
export function api(): KubeApiClient {
  return new KubeApiClient(kubeConfig());
}

/** Create, get (undefined when gone), merge-patch and delete for one of our kinds, through the raw API. */
export function ourObjects<T>(kind: string, plural: string) {
  const path = (ns: string, name?: string): string => `/apis/maglev.io/v1alpha1/namespaces/${ns}/${plural}${name === undefined ? '' : `/${name}`}`;
  return {
    create: async (ns: string, name: string, spec: Record<string, unknown>): Promise<T> =>
      (await api().request({ method: 'POST', path: path(ns), body: { apiVersion: 'maglev.io/v1alpha1', kind, metadata: { name }, spec } })) as T,
    get: async (ns: string, name: string): Promise<T | undefined> => {
      try {
        return (await api().request({ method: 'GET', path: path(ns, name) })) as T;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
    patch: async (ns: string, name: string, patch: Record<string, unknown>): Promise<T> =>
      (await api().request({ method: 'PATCH', path: path(ns, name), body: patch, contentType: 'application/merge-patch+json' })) as T,
    delete: async (ns: string, name: string): Promise<void> => {
      await api().request({ method: 'DELETE', path: path(ns, name) });
    },
  };
}

const releases = ourObjects<HelmRelease>('HelmRelease', 'helmreleases');

/** Creates a HelmRelease `name` in `ns` with `spec`. */
export const createRelease = releases.create;
/** The HelmRelease, or undefined when it is gone. */
export const getRelease = releases.get;
/** Merge-patches the HelmRelease (spec or metadata). */
export const patchRelease = releases.patch;
/** Deletes the HelmRelease (the finalizer keeps it until the release is uninstalled). */
export const deleteRelease = releases.delete;

/** The condition of `type` in a status. */
export function conditionOf(status: HelmReleaseStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** Waits until the HelmRelease has observed its generation and Ready has `status` (and `reason`, if given). */
export async function waitReady(ns: string, name: string, status: 'True' | 'False', reason?: string, timeoutMs = 90_000): Promise<HelmRelease> {
  let seen: HelmRelease | undefined;
  try {
    return await waitFor(`HelmRelease ${ns}/${name} Ready=${status}${reason === undefined ? '' : ` ${reason}`}`, async () => {
      const hr = await getRelease(ns, name);
      seen = hr;
      const ready = conditionOf(hr?.status, 'Ready');
      const current = hr?.status?.observedGeneration === hr?.metadata.generation && ready?.observedGeneration === hr?.metadata.generation;
      return current && ready?.status === status && (reason === undefined || ready.reason === reason) ? hr : undefined;
    }, timeoutMs);
  } catch (err) {
    // What the object last said is the first thing anyone debugging this needs.
    const last = seen === undefined ? 'not found' : JSON.stringify({ generation: seen.metadata.generation, status: seen.status });
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last seen: ${last}`);
  }
}

/** Waits until the HelmRelease is gone (its finalizer ran). */
export async function waitGone(ns: string, name: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(`HelmRelease ${ns}/${name} gone`, async () => ((await getRelease(ns, name)) === undefined ? true : undefined), timeoutMs);
}

/** A Helm release record as Helm stores it (only the fields the tests read). */
export interface HelmRecord {
  name: string;
  version: number;
  info: { status: string; description: string };
  config: Record<string, unknown>;
  manifest: string;
  hooks: { name: string; events: string[]; last_run: { started_at: string; completed_at: string; phase: string } }[];
  chart?: { metadata?: Record<string, unknown>; values?: Record<string, unknown> | null } | null;
}

/** Reads and decodes record Secret `sh.helm.release.v1.<name>.v<version>` (base64 → gzip → JSON). */
export async function readRecord(ns: string, name: string, version: number): Promise<HelmRecord> {
  const secret = (await api().request({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${name}.v${version}` })) as { data: { release: string } };
  const helmText = Buffer.from(secret.data.release, 'base64').toString('utf8');
  return JSON.parse(gunzipSync(Buffer.from(helmText, 'base64')).toString('utf8')) as HelmRecord;
}

/** Names of the record Secrets of release `name` in `ns`, sorted by revision. */
export async function recordNames(ns: string, name: string): Promise<string[]> {
  const list = (await api().request({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, query: { labelSelector: `owner=helm,name=${name}` } })) as { items: { metadata: { name: string } }[] };
  const rev = (s: string): number => Number(s.slice(s.lastIndexOf('.v') + 2));
  return list.items.map((s) => s.metadata.name).sort((a, b) => rev(a) - rev(b));
}

const helmHome = mkdtempSync(join(tmpdir(), 'maglev-helm-'));

/** Runs the pinned helm CLI against the test cluster; resolves stdout. */
export async function helm(args: string[]): Promise<string> {
  const env = { ...process.env, HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_DATA_HOME: join(helmHome, 'data') };
  const { stdout } = await run(toolPath('helm'), [...args, '--kubeconfig', inject('kubeconfig')], { env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** `helm <args> -o json`, parsed. */
export async function helmJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await helm([...args, '-o', 'json'])) as T;
}
