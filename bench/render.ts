/**
 * Rendering speed: a 30-template chart written as EJS, and its Go-template twin rendered through the
 * pinned helm binary, warm, through the same renderChart entry point the operator uses (EJS time
 * includes the isolated worker round trip). Both must render equal objects, or the run fails.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadChartDir, prepareChart } from '../src/chart/index.js';
import { renderChart, warmUpRenderer, DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, type RenderResult } from '../src/render/index.js';

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

async function timed(n: number, render: () => Promise<RenderResult>): Promise<number[]> {
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
    await timed(10, render(0)); // warm both paths
    await timed(3, render(1));
    const ejsTimes = await timed(100, render(0));
    const helmTimes = await timed(20, render(1));
    const ratio = pct(helmTimes, 0.5) / pct(ejsTimes, 0.5);
    return [
      '## Rendering a 30-template chart, warm',
      '',
      'The same chart (10 ConfigMaps, 10 Deployments, 10 Services, a shared labels partial, loops over values) as',
      'EJS and as Go templates; both render equal objects (checked). EJS time includes the isolated worker round',
      'trip; Go-template time is `helm template` through the pinned helm binary, as the operator runs it.',
      '',
      '| engine | renders | median | p90 | min |',
      '|---|---|---|---|---|',
      `| EJS (isolated worker) | ${ejsTimes.length} | ${fmt(pct(ejsTimes, 0.5))} | ${fmt(pct(ejsTimes, 0.9))} | ${fmt(ejsTimes[0] ?? NaN)} |`,
      `| Go templates (helm) | ${helmTimes.length} | ${fmt(pct(helmTimes, 0.5))} | ${fmt(pct(helmTimes, 0.9))} | ${fmt(helmTimes[0] ?? NaN)} |`,
      '',
      `EJS is **${ratio.toFixed(1)}x** faster per render (median; target: at least 10x).`,
    ].join('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
