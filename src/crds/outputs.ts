/**
 * Every file generated from the schema source (CRD YAML for config/crd and for the operator's chart,
 * TypeScript types, docs/api.md), as repository-relative path → content. The generator writes these; the
 * staleness test compares them with the files in the tree.
 */
import { crdYaml, type KindDefinition } from './crd.js';
import { API_DOC_PATH, generateApiDoc } from './docgen.js';
import { helmRelease } from './helmrelease.js';
import { maglevDistro } from './maglevdistro.js';
import { GENERATED_HEADER, generateTypes } from './tsgen.js';

/** The kinds of the maglev.io group with the source file of each, in generation order. */
export const KIND_SOURCES: readonly { def: KindDefinition; source: string }[] = [
  { def: helmRelease, source: 'src/crds/helmrelease.ts' },
  { def: maglevDistro, source: 'src/crds/maglevdistro.ts' },
];

/** Path of the generated TypeScript types. */
export const TYPES_PATH = 'src/crds/generated/types.ts';

/** Path of the CRD file of a kind. */
export function crdPath(def: KindDefinition): string {
  return `config/crd/maglev.io_${def.plural}.yaml`;
}

/** Where the operator's Helm chart keeps its CRDs: the same files as config/crd (Helm installs crds/ first). */
export const CHART_CRD_DIR = 'charts/maglev-operator/crds';

function kustomization(files: readonly string[]): string {
  const resources = files.map((f) => `  - ${f}\n`).join('');
  return (
    `${GENERATED_HEADER.replace('//', '#')}\n` +
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources}`
  );
}

/** Every generated file, keyed by path relative to the repository root, in a stable order. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const defs = KIND_SOURCES.map((k) => k.def);
  for (const { def, source } of KIND_SOURCES) files.set(crdPath(def), crdYaml(def, source));
  for (const { def, source } of KIND_SOURCES) files.set(crdPath(def).replace('config/crd', CHART_CRD_DIR), crdYaml(def, source));
  files.set('config/crd/kustomization.yaml', kustomization(defs.map((d) => crdPath(d).replace('config/crd/', ''))));
  files.set(TYPES_PATH, generateTypes(defs));
  files.set(API_DOC_PATH, generateApiDoc(defs));
  return files;
}
