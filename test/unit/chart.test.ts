/**
 * charts/maglev-operator against config/default: `helm template` of the chart (release maglev-operator in
 * maglev-system, default values) gives the same CRDs, RBAC, Deployment, metrics Service and
 * PodDisruptionBudget as `kubectl kustomize config/default`, compared as parsed objects. What legitimately
 * differs is normalized, and only that:
 * - the labels only Helm sets (helm.sh/chart, app.kubernetes.io/managed-by, app.kubernetes.io/version,
 *   app.kubernetes.io/instance) are removed wherever a label map appears: metadata, selectors, pod template,
 *   topology spread selector;
 * - the kustomize CRDs lose the app.kubernetes.io/part-of label config/default adds (Helm does not template
 *   crds/; the chart's CRDs are the generated files as they are);
 * - the Namespace object of config/manager is left out (Helm installs into an existing or --create-namespace one).
 * Skipped when the helm or kubectl binary is missing (hack/tools.sh ensure builds both).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { toolPath } from '../../src/chart/testdata/registry.js';
import { ALERTS_PATH, CHART_DIR, DASHBOARD_PATH } from '../support/observability.js';

const root = process.cwd();
const helm = toolPath('helm', 'HELM_VERSION');
const kubectl = toolPath('kubectl', 'KUBERNETES_VERSION');
const missing = helm === undefined || kubectl === undefined;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version', 'app.kubernetes.io/instance'];

function parse(stream: string): K8sObject[] {
  return yaml.loadAll(stream).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

function template(...args: string[]): K8sObject[] {
  const out = execFileSync(helm ?? 'helm', ['template', 'maglev-operator', CHART_DIR, '--namespace', 'maglev-system', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parse(out);
}

function kustomize(): K8sObject[] {
  return parse(execFileSync(kubectl ?? 'kubectl', ['kustomize', 'config/default'], { encoding: 'utf8' }));
}

/** A deep copy of `value` without the Helm-only label keys in any map that holds them. */
function withoutHelmLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutHelmLabels);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !HELM_LABELS.includes(k))
      .map(([k, v]) => [k, withoutHelmLabels(v)]),
  );
}

/** The normalization listed in the module comment, applied to one object of either side. */
function normalize(obj: K8sObject, side: 'chart' | 'kustomize'): K8sObject {
  const copy = structuredClone(obj);
  if (side === 'kustomize' && copy.kind === 'CustomResourceDefinition') {
    delete copy.metadata.labels?.['app.kubernetes.io/part-of'];
    if (Object.keys(copy.metadata.labels ?? {}).length === 0) delete copy.metadata.labels;
  }
  return (side === 'chart' ? withoutHelmLabels(copy) : copy) as K8sObject;
}

function byKey(objects: readonly K8sObject[]): Map<string, K8sObject> {
  return new Map(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
}

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

describe.skipIf(missing)('charts/maglev-operator', () => {
  it('helm lint --strict passes', () => {
    const out = execFileSync(helm ?? 'helm', ['lint', '--strict', CHART_DIR], { encoding: 'utf8' });
    expect(out).toContain('0 chart(s) failed');
  });

  it('renders the objects of config/default (but its Namespace), with the same CRDs and RBAC', () => {
    const chart = byKey(template('--include-crds').map((o) => normalize(o, 'chart')));
    const kust = byKey(kustomize().filter((o) => o.kind !== 'Namespace').map((o) => normalize(o, 'kustomize')));
    expect([...chart.keys()].sort()).toEqual([...kust.keys()].sort());
    const crdsAndRbac = [...kust.keys()].filter((k) => ['CustomResourceDefinition', ...RBAC_KINDS].includes(k.split(' ')[0] ?? ''));
    expect(crdsAndRbac).toHaveLength(9);
    for (const key of crdsAndRbac) expect(chart.get(key), key).toEqual(kust.get(key));
  });

  it.each(['Deployment', 'Service', 'PodDisruptionBudget'])('renders the %s of config/manager', (kind) => {
    const chart = template().filter((o) => o.kind === kind).map((o) => normalize(o, 'chart'));
    const kust = kustomize().filter((o) => o.kind === kind).map((o) => normalize(o, 'kustomize'));
    expect(chart).toHaveLength(1);
    expect(chart).toEqual(kust);
  });

  it('rbac.applyClusterAdmin=false leaves out exactly the cluster-admin equivalent role and binding', () => {
    const full = byKey(template());
    const least = byKey(template('--set', 'rbac.applyClusterAdmin=false'));
    const gone = [...full.keys()].filter((k) => !least.has(k));
    expect(gone.sort()).toEqual(['ClusterRole /maglev-operator-apply', 'ClusterRoleBinding /maglev-operator-apply']);
  });

  it('runs two non-root replicas with leader election, probes, a read-only root and no capabilities', () => {
    const deployment = template().find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: { spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] } };
      };
    };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] ?? {};
    expect(deployment.spec.replicas).toBe(2);
    // The image hack/image.sh builds; config/manager names the same one (the comparison above checks it).
    expect(container.image).toBe(`maglev/operator:${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}`);
    expect(container.args).toContain('--leader-elect');
    expect(container).toMatchObject({
      livenessProbe: { httpGet: { path: '/healthz', port: 'probes' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'probes' } },
      ports: [{ name: 'metrics', containerPort: 8080 }, { name: 'probes', containerPort: 8081 }],
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('passes operator flags and the image from values', () => {
    const deployment = template(
      '--set', 'image.repository=registry.example.com/maglev-operator', '--set', 'image.tag=v9',
      '--set', 'operator.logLevel=debug', '--set', 'operator.concurrency=8', '--set', 'operator.defaultServiceAccount=nobody',
    ).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.image).toBe('registry.example.com/maglev-operator:v9');
    expect(container?.args).toEqual(['--leader-elect', '--log-level=debug', '--concurrency=8', '--default-service-account=nobody']);
  });

  it('values.schema.json rejects a value the operator would refuse', () => {
    expect(() => template('--set', 'operator.logLevel=loud')).toThrow(/logLevel/);
    expect(() => template('--set', 'operator.concurrency=65')).toThrow(/concurrency/);
  });

  it('ships no monitoring objects by default, and the dashboard and alerts files when asked', () => {
    const kinds = (objs: K8sObject[]) => objs.map((o) => o.kind);
    expect(kinds(template())).not.toContain('ServiceMonitor');
    expect(kinds(template())).not.toContain('PrometheusRule');
    expect(kinds(template())).not.toContain('ConfigMap');
    const objs = template('--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true,grafanaDashboard.namespace=monitoring');
    const monitor = objs.find((o) => o.kind === 'ServiceMonitor') as unknown as { spec: { selector: unknown; endpoints: unknown[] } };
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s', honorLabels: true }]);
    const service = objs.find((o) => o.kind === 'Service') as unknown as { metadata: { labels: Record<string, string> } };
    expect(monitor.spec.selector).toEqual({ matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': 'metrics' }) as unknown });
    for (const [k, v] of Object.entries((monitor.spec.selector as { matchLabels: Record<string, string> }).matchLabels)) expect(service.metadata.labels[k]).toBe(v);
    const rule = objs.find((o) => o.kind === 'PrometheusRule') as unknown as { spec: unknown };
    expect(rule.spec).toEqual(yaml.load(readFileSync(join(root, ALERTS_PATH), 'utf8')));
    const dashboard = objs.find((o) => o.kind === 'ConfigMap') as unknown as { metadata: K8sObject['metadata']; data: Record<string, string> };
    expect(dashboard.metadata.namespace).toBe('monitoring');
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard.data['maglev-operator.json'] ?? '')).toEqual(JSON.parse(readFileSync(join(root, DASHBOARD_PATH), 'utf8')));
  });

  it('appVersion is the operator version (package.json)', () => {
    const chart = yaml.load(readFileSync(join(root, CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(pkg.version);
  });
});
