/** Paths shared by the e2e harness: the repository root and the pinned tool binaries. */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository checkout this test run belongs to. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of a pinned tool (kubectl, helm, ...) built by hack/tools.sh. */
export function toolPath(name: string): string {
  const cache = process.env.MAGLEV_CACHE ?? join(homedir(), '.cache', 'maglev-operator');
  return join(cache, 'current', name);
}
