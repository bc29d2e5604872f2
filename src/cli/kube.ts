/**
 * What the day-2 commands (`get`, `status`, `reconcile`, `suspend`, `resume`, `approve`, `history`) share:
 * kubectl's connection flags (`--kubeconfig`, `--context`, `-n/--namespace`), the kind words they accept,
 * one session over the repository's own API client, and the exit-code contract (0 ok, 1 failure, 2 usage).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KubeConfig } from '../runtime/kube-lib.js';
import { FIELD_MANAGER } from '../constants.js';
import { API_VERSION, KINDS, type HelmRelease, type MaglevDistro } from '../crds/index.js';
import { errorMessage } from '../errors.js';
import { isNotFound, KubeApiClient, ResourceClient, RestMapper, type ApiClient, type KubeObject } from '../runtime/index.js';
import type { TemplateIO } from './template.js';

/** Where a command writes, and how it asks a yes/no question (absent when stdin is not a terminal). */
export interface CliIO extends TemplateIO {
  confirm?: (question: string) => Promise<boolean>;
}

/** A wrong invocation: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** The two kinds the commands act on, by the word a user types. */
export const Target = { Release: 'release', Distro: 'distro' } as const;

/** One of {@link Target}. */
export type Target = (typeof Target)[keyof typeof Target];

const WORDS: Record<string, Target> = {
  release: 'release',
  releases: 'release',
  helmrelease: 'release',
  helmreleases: 'release',
  hr: 'release',
  mhr: 'release',
  distro: 'distro',
  distros: 'distro',
  maglevdistro: 'distro',
  maglevdistros: 'distro',
};

/** The target a word names (`release`, `releases`, `helmrelease`, `hr`, `mhr`, `distro`, `distros`, `maglevdistro`). */
export function parseTarget(word: string | undefined): Target | undefined {
  return word === undefined ? undefined : WORDS[word.toLowerCase()];
}

/** The Kubernetes kind of a target. */
export function kindOf(target: Target): typeof KINDS.HelmRelease | typeof KINDS.MaglevDistro {
  return target === Target.Release ? KINDS.HelmRelease : KINDS.MaglevDistro;
}

/** A HelmRelease or a MaglevDistro as read from the API server. */
export type Managed = (HelmRelease | MaglevDistro) & KubeObject;

/** The connection flags, as parseArgs options. */
export const kubeOptions = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed connection flags. */
export interface KubeFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

/** The usage text of the connection flags, appended to each command's usage. */
export const kubeUsage = `Connection flags (as kubectl's):
      --kubeconfig FILE      kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME         kubeconfig context to use (default: its current context)
  -n, --namespace NS         namespace (default: the context's namespace, else "default")
`;

/** parseArgs that turns a parse error into a {@link UsageError}. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

/** The KubeConfig of the flags: `--kubeconfig` or the default chain, switched to `--context` when given. */
export function loadKubeConfig(flags: KubeFlags): KubeConfig {
  const kc = new KubeConfig();
  if (flags.kubeconfig !== undefined) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  if (flags.context !== undefined) {
    if (kc.getContextObject(flags.context) === null) throw new Error(`context "${flags.context}" does not exist in the kubeconfig`);
    kc.setCurrentContext(flags.context);
  }
  return kc;
}

/** `-n` when given, else the namespace of the current context, else `default` (as kubectl). */
export function namespaceOf(kc: KubeConfig, flag: string | undefined): string {
  if (flag !== undefined && flag !== '') return flag;
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/** An open connection to the cluster of the flags; close it when done. */
export interface Session {
  api: ApiClient;
  objects: ResourceClient;
  namespace: string;
  close(): void;
}

/** Opens a {@link Session} over {@link KubeApiClient} (the operator's own client). */
export function openSession(flags: KubeFlags): Session {
  const kc = loadKubeConfig(flags);
  const api = new KubeApiClient(kc);
  return { api, objects: new ResourceClient(api, new RestMapper(api), FIELD_MANAGER), namespace: namespaceOf(kc, flags.namespace), close: () => api.close() };
}

/** `HelmRelease ns/name` or `MaglevDistro ns/name`. */
export function describeTarget(target: Target, namespace: string, name: string): string {
  return `${kindOf(target)} ${namespace}/${name}`;
}

/** Reads one object; throws a message naming it when it does not exist. */
export async function readObject<T extends Managed>(session: Session, target: Target, name: string): Promise<T> {
  const obj = await session.objects.get<T>({ apiVersion: API_VERSION, kind: kindOf(target), namespace: session.namespace, name });
  if (obj === undefined) throw new Error(`${describeTarget(target, session.namespace, name)} not found`);
  return obj;
}

/** Sends a JSON merge patch to one object and resolves the object as written; a missing object is named. */
export async function patchObject<T extends Managed>(session: Session, target: Target, name: string, patch: unknown): Promise<T> {
  try {
    return await session.objects.mergePatch<T>({ apiVersion: API_VERSION, kind: kindOf(target), namespace: session.namespace, name }, patch);
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${describeTarget(target, session.namespace, name)} not found`, { cause: err });
    throw err;
  }
}

/**
 * Runs a command body with the exit-code contract: its own code, 2 (with `usage`) for a {@link UsageError},
 * 1 for any other error, printed as `maglev <command>: message`.
 */
export async function runCommand(command: string, usage: string, io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`maglev ${command}: ${err.message}\n\n${usage}`);
      return 2;
    }
    io.stderr.write(`maglev ${command}: ${errorMessage(err)}\n`);
    return 1;
  }
}

/** The terminal confirm of the process: a y/N question on stdin when it is a TTY, else undefined. */
export function processIO(): CliIO {
  if (process.stdin.isTTY !== true) return process;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    confirm: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
  };
}
