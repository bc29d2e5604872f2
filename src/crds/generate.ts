/**
 * `npm run generate`: writes config/crd/*.yaml, config/crd/kustomization.yaml, the same CRDs in
 * charts/maglev-operator/crds, src/crds/generated/types.ts and docs/api.md from the schema source in
 * src/crds. Run from the repository root.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './outputs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

for (const [path, content] of generatedFiles()) {
  const target = resolve(root, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${path}`);
}
