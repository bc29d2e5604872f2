/**
 * Runs once per e2e run: picks the cluster, installs the CRDs, and hands the kubeconfig path to the
 * tests (`inject('kubeconfig')`). Cluster choice, in order:
 *   1. E2E_KUBECONFIG set: that existing cluster (kind, k3d, a real one), used as it is;
 *   2. a reachable Docker engine: a K3s container through testcontainers;
 *   3. otherwise the local control plane (hack/cluster.sh up), reused when one is already running.
 * A cluster this setup started is stopped at the end unless E2E_KEEP_CLUSTER=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot, toolPath } from './paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** host:port of a plain-HTTP OCI registry, or '' when the cluster has none. */
    registry: string;
    clusterKind: 'existing' | 'k3s-container' | 'local';
  }
}

interface Started {
  kubeconfig: string;
  registry: string;
  stop: () => Promise<void>;
}

async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startK3s(): Promise<Started> {
  const { K3sContainer } = await import('@testcontainers/k3s');
  const container = await new K3sContainer(process.env.E2E_K3S_IMAGE ?? 'rancher/k3s:v1.35.4-k3s1').start();
  const dir = join(repoRoot, '.e2e');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'k3s.kubeconfig');
  writeFileSync(kubeconfig, container.getKubeConfig(), { mode: 0o600 });
  return { kubeconfig, registry: '', stop: async () => void (await container.stop()) };
}

function startLocal(): Started {
  const cluster = join(repoRoot, 'hack', 'cluster.sh');
  const alreadyUp = run('bash', [cluster, 'status'], true) !== undefined;
  const out = run('bash', [cluster, 'up'], false) ?? '';
  const kubeconfig = out.trim().split('\n').pop() ?? '';
  const info = JSON.parse(readFileSync(join(kubeconfig, '..', 'cluster.json'), 'utf8')) as { registry: string };
  const keep = alreadyUp || process.env.E2E_KEEP_CLUSTER === '1';
  return {
    kubeconfig,
    registry: info.registry,
    stop: () => Promise.resolve(keep ? undefined : void run('bash', [cluster, 'down'], false)),
  };
}

/** Runs a command; returns stdout, or undefined on failure when `quiet` (else throws). */
function run(cmd: string, args: string[], quiet: boolean): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
  } catch (err) {
    if (quiet) return undefined;
    throw err;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started: Started;
  let kind: 'existing' | 'k3s-container' | 'local';
  if (process.env.E2E_KUBECONFIG) {
    started = { kubeconfig: process.env.E2E_KUBECONFIG, registry: process.env.E2E_REGISTRY ?? '', stop: async () => {} };
    kind = 'existing';
  } else if (await dockerReachable()) {
    started = await startK3s();
    kind = 'k3s-container';
  } else {
    started = startLocal();
    kind = 'local';
  }
  const crdDir = join(repoRoot, 'config', 'crd');
  if (existsSync(join(crdDir, 'kustomization.yaml'))) {
    run(toolPath('kubectl'), ['--kubeconfig', started.kubeconfig, 'apply', '--server-side', '--force-conflicts', '-k', crdDir], false);
  }
  project.provide('kubeconfig', started.kubeconfig);
  project.provide('registry', started.registry);
  project.provide('clusterKind', kind);
  return started.stop;
}
