import { describe, expect, it } from 'vitest';
import type { Chart } from '../chart/types.js';
import type { Hook } from '../render/types.js';
import { chartRecord, hookRecords, newRecord } from './build.js';
import { ReleaseStatus } from './record.js';

const f = (path: string, text: string): { path: string; data: Buffer } => ({ path, data: Buffer.from(text) });

function chart(raw: { path: string; data: Buffer }[]): Chart {
  return {
    metadata: {
      apiVersion: 'v2',
      name: 'web',
      version: '1.0.0',
      appVersion: '2.0',
      type: 'application',
      dependencies: [{ name: 'db', version: '1.x', alias: 'database' }],
    },
    values: { replicas: 1 },
    templates: [f('templates/deploy.yaml', 'kind: Deployment')],
    crds: [f('crds/w.yaml', 'kind: CustomResourceDefinition')],
    files: [f('README.md', '# web'), f('crds/w.yaml', 'kind: CustomResourceDefinition')],
    dependencies: [],
    raw,
  };
}

describe('chartRecord', () => {
  it('stores metadata, templates, default values, schema bytes, lock and files like Helm', () => {
    const rec = chartRecord(
      chart([
        f('Chart.yaml', 'name: web'),
        f('values.yaml', 'replicas: 1'),
        f('values.schema.json', '{"type":"object"}'),
        f('Chart.lock', 'dependencies:\n- name: db\n  repository: https://c.example\n  version: 1.2.0\ndigest: sha256:abc\ngenerated: "2024-01-01T00:00:00Z"\n'),
      ]),
    );
    expect(rec.metadata).toEqual({
      apiVersion: 'v2',
      name: 'web',
      version: '1.0.0',
      appVersion: '2.0',
      type: 'application',
      dependencies: [{ name: 'db', version: '1.x', alias: 'database', repository: '' }],
    });
    expect(rec.templates).toEqual([{ name: 'templates/deploy.yaml', data: Buffer.from('kind: Deployment').toString('base64') }]);
    expect(rec.values).toEqual({ replicas: 1 });
    expect(Buffer.from(rec.schema ?? '', 'base64').toString()).toBe('{"type":"object"}');
    expect(rec.lock).toEqual({
      generated: '2024-01-01T00:00:00Z',
      digest: 'sha256:abc',
      dependencies: [{ name: 'db', repository: 'https://c.example', version: '1.2.0' }],
    });
    expect(rec.files?.map((x) => x.name)).toEqual(['README.md', 'crds/w.yaml']);
  });

  it('writes null values, schema and lock when the chart has none', () => {
    const plain = chart([f('Chart.yaml', 'name: web')]);
    delete plain.metadata.dependencies;
    const rec = chartRecord(plain);
    expect([rec.values, rec.schema, rec.lock]).toEqual([null, null, null]);
    // Helm replaces the values of a chart with dependencies while processing them, so they are stored.
    expect(chartRecord(chart([f('Chart.yaml', 'name: web')])).values).toEqual({ replicas: 1 });
  });
});

describe('hookRecords / newRecord', () => {
  it('turns rendered hooks into never-run record hooks and assembles a revision', () => {
    const hook: Hook = {
      source: 'web/templates/job.yaml',
      text: 'kind: Job',
      object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } },
      name: 'migrate',
      kind: 'Job',
      events: ['pre-install'],
      weight: 2,
      deletePolicies: ['hook-succeeded'],
      outputLogPolicies: [],
    };
    const hooks = hookRecords([hook]);
    expect(hooks).toEqual([
      {
        name: 'migrate',
        kind: 'Job',
        path: 'web/templates/job.yaml',
        manifest: 'kind: Job',
        events: ['pre-install'],
        last_run: { started_at: '', completed_at: '', phase: '' },
        weight: 2,
        delete_policies: ['hook-succeeded'],
        output_log_policies: [],
      },
    ]);
    const rec = newRecord({
      name: 'web',
      namespace: 'apps',
      version: 2,
      status: ReleaseStatus.PendingUpgrade,
      description: 'Preparing upgrade',
      chart: null,
      config: {},
      manifest: '',
      hooks,
      notes: '',
      firstDeployed: '2024-01-01T00:00:00Z',
      now: '2025-01-01T00:00:00Z',
    });
    expect(rec.info).toEqual({
      first_deployed: '2024-01-01T00:00:00Z',
      last_deployed: '2025-01-01T00:00:00Z',
      deleted: '',
      description: 'Preparing upgrade',
      status: 'pending-upgrade',
      notes: '',
    });
  });
});
