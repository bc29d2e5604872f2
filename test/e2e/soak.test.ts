/**
 * The chaos soak (bench/soak.ts) with small numbers, so CI runs the same code `npm run soak` runs at size:
 * releases and a distro install and upgrade twice while replicas are SIGKILLed, the Lease is taken away once and
 * kube-apiserver is stopped once; then every release must pass every check, with no violation.
 */
import { describe, expect, inject, it } from 'vitest';
import { replicaOf, runSoak, soakReport } from '../../bench/soak.js';
import { startOperator } from './harness.js';
import { api } from './releases.js';
import { toolPath } from './paths.js';

describe.skipIf(inject('clusterKind') !== 'local')('chaos soak (small)', () => {
  it('6 releases and a distro of 4 components, at least 6 chaos rounds (kills, a lease takeover, 15 s without kube-apiserver): no violation', async () => {
    const result = await runSoak({
      kubeconfig: inject('kubeconfig'),
      api: api(),
      helm: toolPath('helm'),
      releases: 6,
      distroComponents: 4,
      rounds: 6,
      apiserverDownSeconds: 15,
      settleMs: 180_000,
      startOperator: (args) => {
        const op = startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...args]);
        return replicaOf(op.child, () => op.log());
      },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stderr.write(`${soakReport(result)}\n`);
    expect(result.violations).toEqual([]);
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.leaseTakeovers).toBe(1);
    expect(result.apiserverDownSeconds).toBe(15);
    // Two upgrades of each release and each distro child, each with its hook Job.
    expect(result.jobsCreated).toBeGreaterThanOrEqual(20);
  }, 600_000);
});
