/** Sample records and the Helm-written fixture Secrets (testdata/helm-fixture) for tests. */
import { readFileSync } from 'node:fs';
import { manifestText } from '../../render/manifest.js';
import type { Hook, HookEvent, RenderedObject, RenderResult } from '../../render/types.js';
import { ReleaseStatus, type ReleaseRecord } from '../record.js';
import type { StoredSecret } from '../secrets.js';

/** A small deployed record of release `web` in `apps`, revision 1; fields can be overridden. */
export function sampleRecord(overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    name: 'web',
    info: {
      first_deployed: '2025-01-01T00:00:00Z',
      last_deployed: '2025-01-02T03:04:05.678Z',
      deleted: '',
      description: 'Install complete',
      status: ReleaseStatus.Deployed,
      notes: '',
    },
    chart: {
      metadata: { name: 'podinfo', version: '6.5.0', appVersion: '6.5.0', apiVersion: 'v2' },
      lock: null,
      templates: [{ name: 'templates/cm.yaml', data: Buffer.from('kind: ConfigMap\n').toString('base64') }],
      values: { b: 1, a: { z: true, y: [1, 2] } },
      schema: null,
      files: null,
    },
    config: { replicas: 2 },
    manifest: '---\n# Source: podinfo/templates/cm.yaml\nkind: ConfigMap\n',
    hooks: [],
    version: 1,
    namespace: 'apps',
    ...overrides,
  };
}

interface ApiSecret {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  type?: string;
  data: { release: string };
}

/** The record Secrets Helm v3.21.4 wrote for release `demo` in `apps`, as the store sees them. */
export function helmWrittenSecrets(): StoredSecret[] {
  const text = readFileSync(new URL('../testdata/helm-secrets.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as ApiSecret[]).map((s) => ({
    name: s.metadata.name,
    labels: s.metadata.labels ?? {},
    annotations: s.metadata.annotations ?? {},
    type: s.type ?? '',
    release: Buffer.from(s.data.release, 'base64').toString('utf8'),
  }));
}

/** A rendered object from a plain object (its text is JSON, which is valid YAML). */
export function rendered(object: Record<string, unknown> & { kind: string; metadata: { name: string } & Record<string, unknown> }, source = `web/templates/${object.metadata.name}.yaml`): RenderedObject {
  return { source, text: JSON.stringify(object), object: object as RenderedObject['object'] };
}

/** A hook of `events` with the given policies, as the renderer would return it. */
export function renderedHook(name: string, kind: string, events: HookEvent[], over: Partial<Hook> = {}): Hook {
  const apiVersion = kind === 'Job' ? 'batch/v1' : 'v1';
  return {
    ...rendered({ apiVersion, kind, metadata: { name } }, `web/templates/hook-${name}.yaml`),
    name,
    kind,
    events,
    weight: 0,
    deletePolicies: ['before-hook-creation'],
    outputLogPolicies: [],
    ...over,
  };
}

/** A render result with the given objects, hooks and CRDs (objects are taken as already in install order). */
export function fakeRender(objects: RenderedObject[], hooks: Hook[] = [], crds: RenderedObject[] = []): RenderResult {
  return { objects, hooks, crds, notes: 'Thanks for installing.', manifest: manifestText(objects) };
}
