/**
 * Differential tests against the real Helm binary (pinned in hack/versions.env): the same chart tree and
 * user values go through `helm template` (each chart dumps `.Values` as JSON) and through loadChartDir +
 * prepareChart; the enabled charts and every chart's scoped values must be identical.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareChart } from './dependencies.js';
import { loadChartDir } from './load.js';
import { toolPath } from './testdata/registry.js';
import type { Chart, Values } from './types.js';
import { parseValuesYaml, parseYamlAllSafe } from './yaml.js';

const helm = toolPath('helm', 'HELM_VERSION');
const DUMP = 'path: {{ .Template.BasePath | quote }}\nvalues: {{ toJson .Values }}\n';

const chartYaml = (name: string, deps = ''): string => `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n${deps === '' ? '' : `dependencies:\n${deps}`}`;

interface Scenario {
  files: Record<string, string>;
  user: string;
}

const scenarios: Record<string, Scenario> = {
  'nulls, lists and table conflicts': {
    files: {
      'Chart.yaml': chartYaml('top', '  - name: sub\n    version: "*"\n'),
      'values.yaml': 'a: {b: 1, c: 2, l: [1, 2]}\nt: {deep: 1}\nsub: {x: {p: 1}, drop: null}\n',
      'charts/sub/Chart.yaml': chartYaml('sub'),
      'charts/sub/values.yaml': 'x: {p: 0, q: 0}\nk: 1\ndrop: {me: 1}\nlist: [a]\n',
    },
    user: 'a: {b: null, m: {q: null}, l: [3]}\nq: null\nt: 5\nsub: {x: {q: null, w: null}, list: null}\n',
  },
  'globals through three levels': {
    files: {
      'Chart.yaml': chartYaml('top', '  - name: mid\n    version: "*"\n'),
      'values.yaml': 'global: {env: prod, db: {host: a, opts: {x: 1}}}\nmid: {global: {midOnly: 1}}\n',
      'charts/mid/Chart.yaml': chartYaml('mid', '  - name: leaf\n    version: "*"\n'),
      'charts/mid/values.yaml': 'global: {env: dev, db: {port: 5432, opts: {y: 2}}, fromMid: true}\n',
      'charts/mid/charts/leaf/Chart.yaml': chartYaml('leaf'),
      'charts/mid/charts/leaf/values.yaml': 'global: {env: leaf, leafOnly: 1, db: {user: u}}\n',
    },
    user: 'global: {db: {host: b}, user: set}\n',
  },
  'aliases, conditions and tags': {
    files: {
      'Chart.yaml': chartYaml(
        'top',
        [
          '  - {name: db, version: "~1.0", alias: primary}',
          '  - {name: db, version: "~1.0", alias: replica, condition: "replica.enabled,global.replicas"}',
          '  - {name: cache, version: "*", tags: [fast, optional]}',
          '  - {name: web, version: "2.x", alias: front}',
          '  - {name: extra, version: "*", tags: [optional], condition: extra.on}',
          '',
        ].join('\n'),
      ),
      'values.yaml': 'replica: {enabled: true, size: 2}\ntags: {optional: false}\nextra: {on: true}\n',
      'charts/db/Chart.yaml': chartYaml('db'),
      'charts/db/values.yaml': 'size: 1\nenabled: true\n',
      'charts/cache/Chart.yaml': chartYaml('cache'),
      'charts/web/Chart.yaml': chartYaml('web'),
      'charts/extra/Chart.yaml': chartYaml('extra'),
      'charts/undeclared/Chart.yaml': chartYaml('undeclared'),
    },
    user: 'replica: {enabled: false}\nprimary: {size: 3}\n',
  },
  'import-values': {
    files: {
      'Chart.yaml': chartYaml(
        'top',
        '  - name: child\n    version: "*"\n    import-values: [data, {child: deep.a, parent: fromChild.nested}]\n  - {name: child, version: "*", alias: kid, import-values: [{child: exports.data, parent: kidData}]}\n',
      ),
      'values.yaml': 'port: 8080\nfromChild: {nested: {own: true}}\n',
      'charts/child/Chart.yaml': chartYaml('child', '  - name: grand\n    version: "*"\n    import-values: [{child: exports.g, parent: exports.data.fromGrand}]\n'),
      'charts/child/values.yaml': 'exports: {data: {port: 80, host: child}}\ndeep: {a: {b: 1}}\n',
      'charts/child/charts/grand/Chart.yaml': chartYaml('grand'),
      'charts/child/charts/grand/values.yaml': 'exports: {g: {level: grand}}\n',
    },
    user: 'host: user\n',
  },
  'conditions in a grandchild, relative to its parent': {
    files: {
      'Chart.yaml': chartYaml('top', '  - {name: mid, version: "*"}\n'),
      'charts/mid/Chart.yaml': chartYaml('mid', '  - {name: a, version: "*", condition: a.enabled}\n  - {name: b, version: "*", condition: b.enabled}\n'),
      'charts/mid/values.yaml': 'a: {enabled: true}\nb: {enabled: true}\n',
      'charts/mid/charts/a/Chart.yaml': chartYaml('a'),
      'charts/mid/charts/b/Chart.yaml': chartYaml('b'),
    },
    user: 'mid: {b: {enabled: false}}\n',
  },
  'a chart aliased twice whose own dependency is aliased and conditional': {
    files: {
      'Chart.yaml': chartYaml('top', '  - {name: child, version: "*", alias: one}\n  - {name: child, version: "*", alias: two}\n'),
      'values.yaml': 'one: {gc: {enabled: true}}\ntwo: {gc: {enabled: false}}\n',
      'charts/child/Chart.yaml': chartYaml('child', '  - {name: grand, version: "*", alias: gc, condition: gc.enabled}\n'),
      'charts/child/charts/grand/Chart.yaml': chartYaml('grand'),
      'charts/child/charts/grand/values.yaml': 'level: grand\n',
    },
    user: 'two: {gc: {enabled: true, level: user}}\n',
  },
  'nulls reaching sub-subcharts from the parent and the user': {
    files: {
      'Chart.yaml': chartYaml('top', '  - {name: mid, version: "*"}\n'),
      'values.yaml': 'mid: {leaf: {probe: {httpGet: null}}, keep: {x: null}}\n',
      'charts/mid/Chart.yaml': chartYaml('mid', '  - {name: leaf, version: "*"}\n'),
      'charts/mid/values.yaml': 'keep: {x: 1, z: 1}\nleaf: {sec: {runAsUser: 1000}}\n',
      'charts/mid/charts/leaf/Chart.yaml': chartYaml('leaf'),
      'charts/mid/charts/leaf/values.yaml': 'probe: {httpGet: {path: /}, tcpSocket: {port: 1}}\nsec: {runAsUser: 1, fsGroup: 2}\n',
    },
    user: 'mid: {leaf: {sec: {runAsUser: null}, probe: {tcpSocket: null}}}\n',
  },
};

function dumpsOf(chart: Chart, values: Values, path: string, out: Map<string, unknown>): void {
  out.set(`${path}/templates`, JSON.parse(JSON.stringify(values)) as unknown);
  for (const sub of chart.dependencies) {
    const v = values[sub.metadata.name];
    dumpsOf(sub, (v ?? {}) as Values, `${path}/charts/${sub.metadata.name}`, out);
  }
}

describe.skipIf(helm === undefined)('Helm compatibility (helm template vs prepareChart)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it.each(Object.entries(scenarios))('%s', async (_name, s) => {
    const dir = await mkdtemp(join(tmpdir(), 'maglev-compat-'));
    dirs.push(dir);
    const root = join(dir, 'top');
    for (const [p, text] of Object.entries(s.files)) {
      await mkdir(dirname(join(root, p)), { recursive: true });
      await writeFile(join(root, p), text);
      if (p.endsWith('Chart.yaml')) await mkdir(join(dirname(join(root, p)), 'templates'), { recursive: true });
      if (p.endsWith('Chart.yaml')) await writeFile(join(dirname(join(root, p)), 'templates', 'dump.yaml'), DUMP);
    }
    await writeFile(join(dir, 'user.yaml'), s.user);
    const env = { ...process.env, HELM_CACHE_HOME: join(dir, 'h'), HELM_CONFIG_HOME: join(dir, 'h'), HELM_DATA_HOME: join(dir, 'h') };
    const { stdout } = await promisify(execFile)(helm ?? '', ['template', 'r', root, '-f', join(dir, 'user.yaml')], { env });
    const fromHelm = new Map<string, unknown>();
    for (const doc of parseYamlAllSafe(stdout, 'helm output')) {
      if (doc !== null) fromHelm.set((doc as { path: string }).path, (doc as { values: unknown }).values);
    }
    const prepared = prepareChart(await loadChartDir(root), parseValuesYaml(s.user, 'user.yaml'));
    const ours = new Map<string, unknown>();
    dumpsOf(prepared.chart, prepared.values, 'top', ours);
    expect([...ours.keys()].sort()).toEqual([...fromHelm.keys()].sort());
    for (const [path, values] of fromHelm) expect(ours.get(path), path).toEqual(values);
  }, 30_000);
});
