/**
 * Helpers for e2e tests: Kubernetes clients for the run's cluster, a fresh namespace per test,
 * polling with a deadline, and the operator under test as its own process whose log is printed
 * when a test fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterEach, inject, onTestFailed } from 'vitest';
import { repoRoot } from './paths.js';

export { metricValue } from './metric-text.js';

/** A KubeConfig for the cluster chosen by global-setup. */
export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** Typed API clients for the run's cluster. */
export function clients(kc = kubeConfig()) {
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Polls `probe` until it returns a value other than undefined, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: last error: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** True when `err` is an API error with HTTP status `code`. */
export function isStatus(err: unknown, code: number): boolean {
  return err instanceof k8s.ApiException && err.code === code;
}

/**
 * Creates a namespace unique to the calling test and deletes it after the test (not waiting for
 * it to be gone). Call inside a test.
 */
export async function testNamespace(prefix = 'e2e'): Promise<string> {
  const { core } = clients();
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'maglev.io/e2e': 'true' } } } });
  cleanups.push(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  const pending = cleanups.splice(0);
  for (const c of pending.reverse()) await c();
});

/** A running operator process started by {@link startOperator}. */
export interface OperatorProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  log(): string;
  /** Sends `signal` and waits for the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts the built operator (dist/cli/main.js operator) against the run's cluster as its own
 * process, with `args` appended. Its log is printed if the current test fails; it is stopped after
 * the test unless already stopped.
 */
export function startOperator(args: string[] = [], env: Record<string, string> = {}): OperatorProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), 'operator', ...args], {
    // Debug level, so the log printed for a failed test shows every reconcile's start and outcome.
    env: { ...process.env, KUBECONFIG: inject('kubeconfig'), MAGLEV_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const proc: OperatorProcess = {
    child,
    log: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  onTestFailed(() => {
    process.stderr.write(`\n----- operator log (pid ${child.pid}) -----\n${output}\n----- end of operator log -----\n`);
  });
  cleanups.push(async () => void (await proc.stop('SIGKILL')));
  return proc;
}

/** Waits for the operator's "listening" log line and returns its metrics and probes ports. */
export async function operatorPorts(proc: OperatorProcess): Promise<{ metrics: number; probes: number }> {
  return waitFor('operator listening', () => {
    for (const line of proc.log().split('\n')) {
      if (!line.includes('"listening"')) continue;
      const entry = JSON.parse(line) as { metricsPort?: number; probesPort?: number };
      if (entry.metricsPort !== undefined && entry.probesPort !== undefined) {
        return Promise.resolve({ metrics: entry.metricsPort, probes: entry.probesPort });
      }
    }
    return Promise.resolve(undefined);
  }, 30_000);
}


/** Fetches the operator's /metrics page. */
export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}
