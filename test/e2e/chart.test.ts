/**
 * The operator's own chart (charts/maglev-operator) against a real API server: its rendered objects pass
 * server-side validation, and `helm install` gives an Available Deployment (kwok runs no container, so the
 * image need not exist). Each test uses a release name of its own, so the cluster-scoped RBAC it creates
 * (<release>-maglev-operator, ...-apply) cannot collide with other tests; the release is uninstalled at the
 * end. The CRDs are already installed by global-setup: Helm skips crds/ files whose CRD exists.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { clients, isStatus, testNamespace, waitFor } from './harness.js';
import { repoRoot, toolPath } from './paths.js';
import { helm } from './releases.js';

const chartDir = join(repoRoot, 'charts', 'maglev-operator');

function releaseName(): string {
  return `chart-${randomBytes(3).toString('hex')}`;
}

describe('charts/maglev-operator', () => {
  it('its rendered objects, CRDs and dashboard included, pass kubectl apply --server-side --dry-run=server', async () => {
    const ns = await testNamespace('chart');
    const release = releaseName();
    const rendered = await helm(['template', release, chartDir, '--namespace', ns, '--include-crds', '--set', 'grafanaDashboard.enabled=true']);
    const out = execFileSync(toolPath('kubectl'), ['--kubeconfig', inject('kubeconfig'), 'apply', '--server-side', '--dry-run=server', '-f', '-'], {
      input: rendered,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const fullname = `${release}-maglev-operator`;
    for (const want of [
      'customresourcedefinition.apiextensions.k8s.io/helmreleases.maglev.io',
      'customresourcedefinition.apiextensions.k8s.io/maglevdistros.maglev.io',
      `serviceaccount/${fullname}`,
      `clusterrole.rbac.authorization.k8s.io/${fullname}`,
      `clusterrole.rbac.authorization.k8s.io/${fullname}-apply`,
      `clusterrolebinding.rbac.authorization.k8s.io/${fullname}`,
      `clusterrolebinding.rbac.authorization.k8s.io/${fullname}-apply`,
      `role.rbac.authorization.k8s.io/${fullname}-leader-election`,
      `rolebinding.rbac.authorization.k8s.io/${fullname}-leader-election`,
      `service/${fullname}-metrics`,
      `deployment.apps/${fullname}`,
      `poddisruptionbudget.policy/${fullname}`,
      `configmap/${fullname}-dashboard`,
    ]) {
      expect(out).toMatch(new RegExp(`^${want.replace(/[.]/g, '\\.')} \\S+ \\(server dry run\\)$`, 'm'));
    }
    // Nothing was created.
    await expect(clients().apps.readNamespacedDeployment({ namespace: ns, name: fullname })).rejects.toSatisfy((err) => isStatus(err, 404));
  });

  it('helm install gives an Available Deployment with two ready replicas; helm uninstall removes its cluster RBAC', async () => {
    const ns = await testNamespace('chart');
    const release = releaseName();
    const fullname = `${release}-maglev-operator`;
    const rbac = clients().kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    try {
      await helm(['install', release, chartDir, '--namespace', ns, '--wait', '--timeout', '2m']);
      const deployment = await waitFor('Deployment Available', async () => {
        const d = await clients().apps.readNamespacedDeployment({ namespace: ns, name: fullname });
        return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true ? d : undefined;
      }, 60_000);
      expect(deployment.status?.readyReplicas).toBe(2);
      expect(deployment.spec?.template.spec?.containers[0]?.args).toEqual(['--leader-elect']);
      const binding = await rbac.readClusterRoleBinding({ name: fullname });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: fullname, namespace: ns }]);
      const status = JSON.parse(await helm(['status', release, '--namespace', ns, '-o', 'json'])) as { info: { status: string } };
      expect(status.info.status).toBe('deployed');
    } finally {
      await helm(['uninstall', release, '--namespace', ns, '--wait']).catch(() => '');
    }
    for (const name of [fullname, `${fullname}-apply`]) {
      await expect(rbac.readClusterRole({ name })).rejects.toSatisfy((err) => isStatus(err, 404));
      await expect(rbac.readClusterRoleBinding({ name })).rejects.toSatisfy((err) => isStatus(err, 404));
    }
  });
});
