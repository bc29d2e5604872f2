import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildCrd, openApiRoot, rootSchema, toOpenApi, type KindDefinition } from './crd.js';
import { withHelmReleaseDefaults, withMaglevDistroDefaults } from './defaults.js';
import { API_DOC_HEADER, API_DOC_PATH } from './docgen.js';
import type { HelmRelease, MaglevDistro } from './generated/types.js';
import { helmRelease } from './helmrelease.js';
import { maglevDistro } from './maglevdistro.js';
import { CHART_CRD_DIR, generatedFiles } from './outputs.js';
import { KIND_DOCS, STALLED_EXAMPLE } from './reference.js';
import type { Schema } from './schema.js';
import { validateHelmReleaseSpec, validateMaglevDistroSpec } from './validate.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kinds: Record<string, KindDefinition> = { HelmRelease: helmRelease, MaglevDistro: maglevDistro };

/** Every schema node under `schema`, with its path. */
function nodes(schema: Schema, path = ''): [string, Schema][] {
  const out: [string, Schema][] = [[path, schema]];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) out.push(...nodes(prop, `${path}.${key}`));
  if (schema.items !== undefined) out.push(...nodes(schema.items, `${path}[]`));
  if (schema.additionalProperties !== undefined) out.push(...nodes(schema.additionalProperties, `${path}{}`));
  return out;
}

describe('generated files', () => {
  it.each([...generatedFiles()])('%s is up to date (run npm run generate)', (path, content) => {
    expect(readFileSync(resolve(root, path), 'utf8')).toBe(content);
  });

  it.each(['config/crd', CHART_CRD_DIR])('%s holds only generated files', (dir) => {
    const generated = [...generatedFiles().keys()].filter((p) => p.startsWith(`${dir}/`));
    const present = readdirSync(resolve(root, dir)).map((f) => `${dir}/${f}`);
    expect(present.sort()).toEqual(generated.sort());
  });

  it('include docs/api.md, which starts with its header line', () => {
    expect(generatedFiles().get(API_DOC_PATH)?.split('\n')[0]).toBe(API_DOC_HEADER);
  });

  it('is deterministic', () => {
    expect([...generatedFiles()]).toEqual([...generatedFiles()]);
  });

  it('strips typeName from the CRD', () => {
    for (const def of Object.values(kinds)) expect(JSON.stringify(buildCrd(def))).not.toContain('typeName');
  });
});

/** What is wrong with one node: a structural-schema rule, or a bound the CEL cost estimate needs. */
function violations(path: string, node: Schema, inSpec: boolean): string[] {
  const out: string[] = [];
  const fail = (what: string) => out.push(`${path}: ${what}`);
  if (node.description.length === 0) fail('no description');
  if (node.properties !== undefined && node.additionalProperties !== undefined) fail('properties with additionalProperties');
  if (node.type === 'array' && node.items === undefined) fail('array without items');
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.type !== 'object') fail('preserve-unknown-fields on a non-object');
  if (node.type !== 'object' && (node.properties ?? node.additionalProperties) !== undefined) fail('properties on a non-object');
  for (const key of node.required ?? []) if (node.properties?.[key] === undefined) fail(`required ${key} is not a property`);
  for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
    if (node.items?.required?.includes(key) !== true) fail(`list map key ${key} is not required`);
  }
  if (inSpec && node.type === 'array' && node.maxItems === undefined) fail('list without maxItems');
  if (inSpec && node.type === 'string' && node.maxLength === undefined && node.enum === undefined) fail('string without maxLength');
  if (node.default !== undefined) {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    if (!ajv.validate(toOpenApi(node), node.default)) fail(`default does not pass its schema: ${ajv.errorsText()}`);
  }
  return out;
}

describe('structural schema', () => {
  it.each(Object.values(kinds))('$kind: every node is structural, described and bounded', (def) => {
    const spec = new Set(nodes(def.spec).map(([, n]) => n));
    const found = nodes(rootSchema(def), def.kind).flatMap(([path, node]) => violations(path, node, spec.has(node)));
    expect(found).toEqual([]);
  });

  it('metadata is left to the API server (it rejects anything but type)', () => {
    for (const def of Object.values(kinds)) {
      expect((openApiRoot(def).properties as Record<string, unknown>).metadata).toEqual({ type: 'object' });
    }
  });
});

describe('defaults stated by api.md', () => {
  it.each([
    ['HelmRelease', 'spec.chart.version', '*'],
    ['HelmRelease', 'spec.interval', '10m'],
    ['HelmRelease', 'spec.timeout', '5m'],
    ['HelmRelease', 'spec.maxHistory', 10],
    ['HelmRelease', 'spec.install.crds', 'Create'],
    ['HelmRelease', 'spec.upgrade.crds', 'Skip'],
    ['HelmRelease', 'spec.upgrade.remediation.strategy', 'rollback'],
    ['HelmRelease', 'spec.driftDetection.mode', 'enabled'],
    ['MaglevDistro', 'spec.upgrade.onFailure', 'rollback'],
    ['MaglevDistro', 'spec.upgrade.maxParallel', 4],
    // A component's release options default nothing, so HelmRelease defaults (or the bundle) apply.
    ['MaglevDistro', 'spec.components[].release.timeout', undefined],
    ['MaglevDistro', 'spec.components[].upgradePolicy', undefined],
  ])('%s %s defaults to %j', (kind, path, want) => {
    const def = kinds[kind];
    const found = def === undefined ? undefined : nodes(def.spec, 'spec').find(([p]) => p === path);
    expect(found, `${kind} has no field ${path}`).toBeDefined();
    expect(found?.[1].default).toEqual(want);
  });
});

/** Paths of fields in `value` that `schema` does not declare. */
function unknownFields(schema: Schema, value: unknown, path: string): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((v, i) => unknownFields(schema.items as Schema, v, `${path}[${i}]`));
  return Object.entries(value).flatMap(([key, v]) => {
    const prop = schema.properties?.[key] ?? schema.additionalProperties;
    if (prop === undefined) return schema.type === 'object' && schema.properties === undefined ? [] : [`${path}.${key}`];
    return unknownFields(prop, v, `${path}.${key}`);
  });
}

function documents(file: string): { kind: string; doc: unknown }[] {
  return yaml.loadAll(readFileSync(resolve(root, file), 'utf8')).map((doc) => ({ kind: (doc as { kind: string }).kind, doc }));
}

describe.each(['src/crds/testdata/api-examples.yaml', 'config/samples/helmrelease.yaml', 'config/samples/maglevdistro.yaml'])(
  'examples in %s',
  (file) => {
    it.each(documents(file).map((d, i) => [i, d.kind, d.doc] as const))('document %i (%s) matches the schema', (_i, kind, doc) => {
      const def = kinds[kind];
      if (def === undefined) throw new Error(`unknown kind ${kind}`);
      const schema = rootSchema(def);
      expect(unknownFields(schema, doc, kind)).toEqual([]);
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      expect(ajv.validate(toOpenApi(schema), doc), ajv.errorsText()).toBe(true);
    });
  },
);

/** Schema problems of `value` against `schema`: undeclared fields, then type, enum and pattern errors. */
function schemaProblems(schema: Schema, value: unknown, path: string): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const valid = ajv.validate(toOpenApi(schema), value);
  return [...unknownFields(schema, value, path), ...(valid ? [] : [ajv.errorsText()])];
}

describe('examples in docs/api.md (src/crds/reference.ts)', () => {
  it.each(Object.keys(kinds))('the %s example matches the schema and passes the operator checks', (kind) => {
    const def = kinds[kind];
    const text = KIND_DOCS[kind]?.example;
    if (def === undefined || text === undefined) throw new Error(`no definition or example for ${kind}`);
    const doc = yaml.load(text) as { kind: string; metadata: { name: string }; spec: unknown };
    expect(doc.kind).toBe(kind);
    expect(schemaProblems(rootSchema(def), doc, kind)).toEqual([]);
    const problems =
      kind === 'HelmRelease'
        ? validateHelmReleaseSpec(withHelmReleaseDefaults((doc as HelmRelease).spec))
        : validateMaglevDistroSpec(withMaglevDistroDefaults((doc as MaglevDistro).spec), doc.metadata.name);
    expect(problems).toEqual([]);
  });

  it('the stalled status example matches the HelmRelease status schema', () => {
    const { status } = yaml.load(STALLED_EXAMPLE) as { status: unknown };
    expect(schemaProblems(helmRelease.status, status, 'status')).toEqual([]);
  });

  it.each(Object.values(kinds))('$kind: documented condition types are the ones status.conditions names', (def) => {
    const named = def.status.properties?.conditions?.description.match(/\b[A-Z][A-Za-z]+\b/g) ?? [];
    expect(KIND_DOCS[def.kind]?.conditions.map((c) => c.type)).toEqual([...new Set(named)]);
  });
});

describe('generated types', () => {
  it('accept objects shaped like api.md', () => {
    const hr: HelmRelease = {
      apiVersion: 'maglev.io/v1alpha1',
      kind: 'HelmRelease',
      metadata: { name: 'web', namespace: 'apps', creationTimestamp: '2025-01-01T00:00:00Z', generation: 3 },
      spec: { chart: { repository: 'https://charts.example.com', name: 'podinfo' }, upgrade: { remediation: { strategy: 'uninstall' } } },
    };
    const distro: MaglevDistro = {
      apiVersion: 'maglev.io/v1alpha1',
      kind: 'MaglevDistro',
      metadata: { name: 'maglev' },
      spec: { version: '1.4.0', components: [{ name: 'pki', class: 'core', release: { timeout: '10m' } }] },
      status: { components: [{ name: 'pki', phase: 'AwaitingApproval' }] },
    };
    expect([hr.kind, distro.kind]).toEqual(['HelmRelease', 'MaglevDistro']);
  });
});
