/**
 * Finding and running the helm binary: no shell, arguments as an array, an environment holding only
 * helm's own directories (temporary, empty, no plugins, no kubeconfig), a timeout and an output cap.
 */
import { execFile } from 'node:child_process';
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

/** Where helm is looked for, in order: the option, MAGLEV_HELM_BIN, the tools cache, PATH. */
export function helmCandidates(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (option !== undefined && option !== '') out.push(option);
  if (env.MAGLEV_HELM_BIN !== undefined && env.MAGLEV_HELM_BIN !== '') out.push(env.MAGLEV_HELM_BIN);
  out.push(join(env.HOME ?? homedir(), '.cache', 'maglev-operator', 'current', 'helm'));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir !== '') out.push(join(dir, 'helm'));
  return out;
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

/** Limits and environment for one helm run. */
export interface HelmRun {
  /** Directory for helm's cache/config/data homes and plugins (empty, private). */
  home: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

/** Helm's environment: only its own directories, plugins off, no kubeconfig from the operator. */
export function helmEnv(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    HELM_PLUGINS: join(home, 'plugins'),
    HELM_NO_PLUGINS: '1',
    KUBECONFIG: join(home, 'kubeconfig-none'),
  };
}

/** Runs helm and returns stdout; RenderFailed with helm's error text, or on timeout / oversized output. */
export async function runHelm(bin: string, args: string[], run: HelmRun): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        env: helmEnv(run.home),
        cwd: run.home,
        timeout: run.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: run.maxOutputBytes,
        encoding: 'utf8',
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        if (err === null) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (e.code === 'ENOENT' || e.code === 'EACCES') {
          return reject(new MaglevError(ErrorCode.HelmUnavailable, `cannot run helm at ${bin}: ${e.message}`, { cause: err }));
        }
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(
            new MaglevError(ErrorCode.RenderFailed, `helm output exceeds ${run.maxOutputBytes} bytes`, { terminal: true, cause: err }),
          );
        }
        if (e.killed === true || e.signal === 'SIGKILL') {
          return reject(
            new MaglevError(ErrorCode.RenderFailed, `helm template did not finish within ${run.timeoutMs} ms and was stopped`, {
              terminal: true,
              cause: err,
            }),
          );
        }
        const text = stderr.trim().replace(/^Error: /, '') || e.message;
        reject(new MaglevError(ErrorCode.RenderFailed, text, { terminal: true, cause: err }));
      },
    );
  });
}
