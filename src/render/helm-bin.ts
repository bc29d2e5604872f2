/**
 * Finding the tools the operator runs: maglev-render (Helm's template engine, for Go-template charts) and
 * the helm CLI (parity tests compare with it). Each is looked for in an option, its environment variable,
 * the tools cache that hack/tools.sh fills, then PATH.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ErrorCode, MaglevError } from '../errors.js';

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return false;
    throw err;
  }
}

/** Where a tool is looked for, in order: the option, its environment variable, the tools cache, PATH. */
export function toolCandidates(name: string, envVar: string, option: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const fromEnv = env[envVar];
  if (option !== undefined && option !== '') out.push(option);
  if (fromEnv !== undefined && fromEnv !== '') out.push(fromEnv);
  out.push(join(env.HOME ?? homedir(), '.cache', 'maglev-operator', 'current', name));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir !== '') out.push(join(dir, name));
  return out;
}

/** Where helm is looked for, in order: the option, MAGLEV_HELM_BIN, the tools cache, PATH. */
export function helmCandidates(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  return toolCandidates('helm', 'MAGLEV_HELM_BIN', option, env);
}

/**
 * The maglev-render binary (Helm's template engine, built by hack/tools.sh from hack/renderer): the option,
 * MAGLEV_RENDER_BIN, the tools cache, PATH. HelmUnavailable naming every place looked at when there is none.
 */
export async function findRenderer(option?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = option ?? env.MAGLEV_RENDER_BIN;
  for (const c of toolCandidates('maglev-render', 'MAGLEV_RENDER_BIN', option, env)) {
    if (await executable(c)) return c;
    if (c === explicit) break;
  }
  throw new MaglevError(
    ErrorCode.HelmUnavailable,
    'this chart uses Go templates, which need the maglev-render binary (Helm\'s template engine), and none was found ' +
      '(looked in MAGLEV_RENDER_BIN, ~/.cache/maglev-operator/current/maglev-render and PATH); run hack/tools.sh ensure or set MAGLEV_RENDER_BIN',
    { terminal: false },
  );
}

/** The helm binary to use; HelmUnavailable (naming every place looked at) when there is none. */
export async function findHelm(option?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = option ?? env.MAGLEV_HELM_BIN;
  const candidates = helmCandidates(option, env);
  for (const c of candidates) {
    if (await executable(c)) return c;
    if (c === explicit) break;
  }
  throw new MaglevError(
    ErrorCode.HelmUnavailable,
    explicit !== undefined && explicit !== ''
      ? `helm binary ${explicit} is missing or not executable; this chart uses Go templates, which need helm v3`
      : 'this chart uses Go templates, which need the helm v3 binary, and none was found (looked in MAGLEV_HELM_BIN, ' +
          '~/.cache/maglev-operator/current/helm and PATH); install helm or set MAGLEV_HELM_BIN',
    { terminal: false },
  );
}
