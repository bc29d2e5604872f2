/**
 * Rendering speed: a 30-template chart written as EJS, and its Go-template twin rendered by Helm's engine in
 * the warm maglev-render process, both through the same renderChart entry point the operator uses (EJS time
 * includes the isolated worker round trip), next to `helm template` of the same Go chart with the pinned helm
 * binary (a process per render, as the operator rendered before). All must render equal objects, or the run
 * fails. Then 10,000 renders of mixed Go charts, and the engine process's memory after them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseYamlAllSafe } from '../src/chart/yaml.js';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadChartDir, prepareChart } from '../src/chart/index.js';
import { renderChart, warmUpRenderer, DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, type RenderResult } from '../src/render/index.js';
import { sharedGoRenderer } from '../src/render/go-renderer.js';
import { findHelm } from '../src/render/helm-bin.js';

const PER_KIND = 10; // 10 ConfigMaps + 10 Deployments + 10 Services = 30 templates

const values = `replicas: 2
image: { repository: ghcr.io/example/app, tag: "1.2.3" }
env: { LOG_FORMAT: json, LOG_LEVEL: info, REGION: eu-west-1, TIMEOUT: "30s" }
config: { "a.conf": "alpha", "b.conf": "beta", "c.conf": "gamma", "d.conf": "delta" }
port: 8080
`;

function ejsTemplates(i: number): Record<string, string> {
  return {
    [`cm-${i}.yaml.ejs`]: `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-config-${i}
  labels:<%- nindent(include('_labels.yaml.ejs'), 4) %>
data:
<% for (const [k, v] of Object.entries(Values.config)) { -%>
  <%= k %>: <%= quote(v) %>
<% } -%>
`,
    [`deploy-${i}.yaml.ejs`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <%= Release.Name %>-app-${i}
  labels:<%- nindent(include('_labels.yaml.ejs'), 4) %>
spec:
  replicas: <%= Values.replicas %>
  selector:
    matchLabels:
      app: <%= Release.Name %>-app-${i}
  template:
    metadata:
      labels:
        app: <%= Release.Name %>-app-${i}
    spec:
      containers:
        - name: app
          image: <%= Values.image.repository %>:<%= Values.image.tag %>
          env:
<% for (const [k, v] of Object.entries(Values.env)) { -%>
            - name: <%= k %>
              value: <%= quote(v) %>
<% } -%>
`,
    [`svc-${i}.yaml.ejs`]: `apiVersion: v1
kind: Service
metadata:
  name: <%= Release.Name %>-svc-${i}
  labels:<%- nindent(include('_labels.yaml.ejs'), 4) %>
spec:
  selector:
    app: <%= Release.Name %>-app-${i}
  ports:
    - port: <%= Values.port %>
      targetPort: <%= Values.port %>
`,
  };
}

function goTemplates(i: number): Record<string, string> {
  return {
    [`cm-${i}.yaml`]: `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config-${i}
  labels:
{{ include "labels" . | indent 4 }}
data:
{{- range $k, $v := .Values.config }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
`,
    [`deploy-${i}.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-app-${i}
  labels:
{{ include "labels" . | indent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: {{ .Release.Name }}-app-${i}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-app-${i}
    spec:
      containers:
        - name: app
          image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
          env:
{{- range $k, $v := .Values.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
{{- end }}
`,
    [`svc-${i}.yaml`]: `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-svc-${i}
  labels:
{{ include "labels" . | indent 4 }}
spec:
  selector:
    app: {{ .Release.Name }}-app-${i}
  ports:
    - port: {{ .Values.port }}
      targetPort: {{ .Values.port }}
`,
  };
}

function writeChart(root: string, name: string, templates: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\nappVersion: "1.2.3"\n`);
  writeFileSync(join(dir, 'values.yaml'), values);
  for (const [file, text] of Object.entries(templates)) writeFileSync(join(dir, 'templates', file), text);
  return dir;
}

async function timed(n: number, render: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await render();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] ?? NaN;
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Runs the benchmark and returns its BENCHMARKS.md section. */
export async function renderBench(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'maglev-bench-'));
  try {
    const ejs: Record<string, string> = {
      '_labels.yaml.ejs': 'app.kubernetes.io/name: <%= Chart.Name %>\napp.kubernetes.io/instance: <%= Release.Name %>\n',
    };
    const go: Record<string, string> = {
      '_helpers.tpl': '{{- define "labels" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end }}\n',
    };
    for (let i = 0; i < PER_KIND; i++) {
      Object.assign(ejs, ejsTemplates(i));
      Object.assign(go, goTemplates(i));
    }
    const inputs = [
      prepareChart(await loadChartDir(writeChart(join(root, 'ejs'), 'bench', ejs)), {}),
      prepareChart(await loadChartDir(writeChart(join(root, 'go'), 'bench', go)), {}),
    ];
    const render = (k: number) => () => {
      const input = inputs[k];
      if (input === undefined) throw new Error('missing chart');
      return renderChart({
        chart: input.chart,
        values: input.values,
        release: { name: 'bench', namespace: 'bench', revision: 1, isInstall: true, isUpgrade: false },
        capabilities: { kubeVersion: DEFAULT_KUBE_VERSION, apiVersions: [...DEFAULT_API_VERSIONS] },
      });
    };
    await warmUpRenderer();
    const [a, b] = [await render(0)(), await render(1)()];
    const objects = (r: RenderResult) => r.objects.map((o) => o.object);
    if (a.objects.length !== 3 * PER_KIND || !isDeepStrictEqual(objects(a), objects(b))) {
      throw new Error(`the EJS chart and its Go twin rendered different objects (${a.objects.length} vs ${b.objects.length})`);
    }
    const helm = await findHelm();
    const helmTemplate = () => {
      const out = execFileSync(helm, ['template', 'bench', join(root, 'go', 'bench'), '-n', 'bench', `--kube-version=${DEFAULT_KUBE_VERSION}`], {
        encoding: 'utf8',
        env: { HOME: root, HELM_CACHE_HOME: join(root, 'hc'), HELM_CONFIG_HOME: join(root, 'hf'), HELM_DATA_HOME: join(root, 'hd') },
      });
      return Promise.resolve(out);
    };
    const helmObjects = parseYamlAllSafe(await helmTemplate(), 'helm template').filter((d) => d !== null);
    if (helmObjects.length !== 3 * PER_KIND) throw new Error(`helm template printed ${helmObjects.length} objects`);
    await timed(10, render(0)); // warm every path
    await timed(10, render(1));
    await timed(3, helmTemplate);
    const ejsTimes = await timed(100, render(0));
    const goTimes = await timed(100, render(1));
    const helmTimes = await timed(20, helmTemplate);
    // Memory: 10,000 renders of mixed Go charts (the bench chart and the repository's Go test charts).
    const mixed = [inputs[1], ...(await Promise.all(['shop', 'portal-go', 'kinds-go'].map(async (n) => prepareChart(await loadChartDir(join(import.meta.dirname, '..', 'src', 'render', 'testdata', 'charts', n)), {}))))];
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      const input = mixed[i % mixed.length];
      if (input === undefined) continue;
      await renderChart({ chart: input.chart, values: input.values, release: { name: `r${i % 50}`, namespace: 'bench', revision: 1 + (i % 7), isInstall: false, isUpgrade: true }, capabilities: { kubeVersion: DEFAULT_KUBE_VERSION, apiVersions: [...DEFAULT_API_VERSIONS] } });
    }
    const mixedSeconds = (performance.now() - started) / 1000;
    const pid = sharedGoRenderer().pid();
    const status = pid === undefined ? '' : readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    const ratio = pct(helmTimes, 0.5) / pct(goTimes, 0.5);
    return [
      '## Rendering a 30-template chart, warm',
      '',
      'The same chart (10 ConfigMaps, 10 Deployments, 10 Services, a shared labels partial, loops over values) as',
      'EJS and as Go templates; all render equal objects (checked). EJS time includes the isolated worker round',
      'trip; Go-template time is Helm\'s engine in the warm maglev-render process (one process for the operator),',
      'request and reply included; `helm template` is the pinned helm binary started per render, as the operator',
      'rendered Go charts before.',
      '',
      '| engine | renders | median | p90 | min |',
      '|---|---|---|---|---|',
      `| EJS (isolated worker) | ${ejsTimes.length} | ${fmt(pct(ejsTimes, 0.5))} | ${fmt(pct(ejsTimes, 0.9))} | ${fmt(ejsTimes[0] ?? NaN)} |`,
      `| Go templates (Helm engine, warm maglev-render) | ${goTimes.length} | ${fmt(pct(goTimes, 0.5))} | ${fmt(pct(goTimes, 0.9))} | ${fmt(goTimes[0] ?? NaN)} |`,
      `| Go templates (\`helm template\`, a process per render) | ${helmTimes.length} | ${fmt(pct(helmTimes, 0.5))} | ${fmt(pct(helmTimes, 0.9))} | ${fmt(helmTimes[0] ?? NaN)} |`,
      '',
      `The warm Helm engine is **${ratio.toFixed(1)}x** faster than \`helm template\` per render (median; target: at least 10x).`,
      '',
      `10,000 renders of mixed Go charts (the bench chart, shop, portal-go, kinds-go) took ${mixedSeconds.toFixed(1)} s in one`,
      `maglev-render process (pid ${pid ?? '?'}); its RSS afterwards: ${(kib('VmRSS') / 1024).toFixed(0)} MiB, peak ${(kib('VmHWM') / 1024).toFixed(0)} MiB.`,
    ].join('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
