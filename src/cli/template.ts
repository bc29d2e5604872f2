/**
 * `maglev template [NAME] CHART`: renders a chart locally and prints the YAML stream `helm template`
 * prints (objects in install order, then hooks, each under `---\n# Source: <template>`), CRDs first with
 * --include-crds. EJS charts render in the sandbox, Go-template charts with Helm's engine (maglev-render);
 * `lookup` returns nothing, as in `helm template`.
 */
import { KubeConfig } from '../runtime/kube-lib.js';
import { FIELD_MANAGER } from '../constants.js';
import { ResourceClient } from '../runtime/apply.js';
import { KubeApiClient } from '../runtime/client.js';
import { RestMapper } from '../runtime/discovery.js';
import type { LookupFn } from '../render/types.js';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { prepareChart } from '../chart/dependencies.js';
import { loadChartArchive, loadChartDir } from '../chart/load.js';
import { fetchChart } from '../chart/source/index.js';
import type { Chart, Values } from '../chart/types.js';
import { mergeMaps, setValuesPath } from '../chart/valuesfrom.js';
import { parseValuesYaml } from '../chart/yaml.js';
import { ErrorCode, MaglevError, errorMessage, isMaglevError } from '../errors.js';
import { renderChart } from '../render/index.js';

/** The Kubernetes version `helm template` (v3) assumes without --kube-version; used alike so the output matches. */
export const TEMPLATE_KUBE_VERSION = 'v1.20.0';
import { crdFiles } from '../render/crds.js';
import { chartTree } from '../render/tree.js';
import { HookEvent, type RenderResult } from '../render/types.js';

/** Where the command writes; the process streams unless a test passes its own. */
export interface TemplateIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const usage = `Usage: maglev template [NAME] CHART [flags]

CHART is a chart directory, a .tgz archive, an http(s) URL of an archive, oci://host/path/name, or a chart
name with --repo URL.

Flags:
  -f, --values FILE          values file (repeatable; later files win)
      --set K=V[,K=V]        set values (repeatable; typed like helm: true/false/null/integers)
      --set-string K=V       set string values (repeatable)
  -n, --namespace NS         release namespace (default "default")
      --kube-version V       Kubernetes version for Capabilities (default ${TEMPLATE_KUBE_VERSION}, as helm template)
  -a, --api-versions X       extra API versions for Capabilities (repeatable, comma-separated)
      --include-crds         print the crds/ objects first
      --is-upgrade           render as an upgrade (Release.IsUpgrade)
      --skip-tests           leave out test hooks
      --name-template NAME   release name (literal; default "release-name")
      --skip-schema-validation  do not validate values against values.schema.json
      --renderer-bin PATH    maglev-render binary (Helm's template engine) for Go-template charts
      --kubeconfig PATH      answer the templates' lookup calls from this cluster (current context), as
                             helm install/upgrade would; without it lookup returns nothing, as in helm template
      --version RANGE        chart version range (repository and OCI charts)
      --repo URL             chart repository URL (CHART is then the chart name)
`;

const options = {
  values: { type: 'string', short: 'f', multiple: true },
  set: { type: 'string', multiple: true },
  'set-string': { type: 'string', multiple: true },
  namespace: { type: 'string', short: 'n' },
  'kube-version': { type: 'string' },
  'api-versions': { type: 'string', short: 'a', multiple: true },
  'include-crds': { type: 'boolean' },
  'is-upgrade': { type: 'boolean' },
  'skip-tests': { type: 'boolean' },
  'name-template': { type: 'string' },
  'renderer-bin': { type: 'string' },
  kubeconfig: { type: 'string' },
  'skip-schema-validation': { type: 'boolean' },
  version: { type: 'string' },
  repo: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(message: string): MaglevError {
  return new MaglevError(ErrorCode.InvalidOptions, message, { terminal: true });
}

/** Splits a --set argument on commas that are neither escaped nor inside `{…}`. */
export function splitSetArg(arg: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charAt(i);
    if (c === '\\' && i + 1 < arg.length) {
      cur += c + arg.charAt(++i);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.filter((p) => p !== '');
}

/** A --set value typed like Helm's strvals: booleans, null, integers without leading zeros; `{a,b}` lists. */
export function typedSetValue(raw: string, asString: boolean): unknown {
  if (raw.startsWith('{') && raw.endsWith('}')) {
    return splitSetArg(raw.slice(1, -1)).map((v) => typedSetValue(v, asString));
  }
  const v = raw.replace(/\\(.)/g, '$1');
  if (asString) return v;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  if (/^null$/i.test(v)) return null;
  if (v === '0' || (v.charAt(0) !== '0' && /^[+-]?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)))) return Number(v);
  return v;
}

/** Applies `--set`/`--set-string` arguments to `values` in order. */
export function applySets(values: Values, args: readonly string[], asString: boolean): void {
  for (const arg of args) {
    for (const pair of splitSetArg(arg)) {
      const eq = /(?<!\\)=/.exec(pair);
      if (eq === null) throw usageError(`--set ${pair}: expected key=value`);
      setValuesPath(values, pair.slice(0, eq.index), typedSetValue(pair.slice(eq.index + 1), asString));
    }
  }
}

async function loadChart(ref: string, repo: string | undefined, version: string | undefined): Promise<Chart> {
  if (repo !== undefined) return (await fetchChart({ repository: repo, name: ref, version })).chart;
  if (ref.startsWith('oci://')) {
    const slash = ref.lastIndexOf('/');
    return (await fetchChart({ repository: ref.slice(0, slash), name: ref.slice(slash + 1), version })).chart;
  }
  if (/^https?:\/\//.test(ref)) return (await fetchChart({ url: ref })).chart;
  const info = await stat(ref).catch((err: unknown) => {
    throw new MaglevError(ErrorCode.ChartNotFound, `chart ${ref} not found: ${errorMessage(err)}`, { terminal: true, cause: err });
  });
  return info.isDirectory() ? loadChartDir(ref) : loadChartArchive(await readFile(ref), { where: ref });
}

/** The `helm template` stream for a render result (CRD files first when given). */
export function templateStream(result: RenderResult, crds: { source: string; text: string }[], skipTests: boolean): string {
  let out = '';
  for (const crd of crds) out += `---\n# Source: ${crd.source}\n${crd.text}\n`;
  out += `${result.manifest.trim()}\n`;
  for (const h of result.hooks) {
    if (skipTests && h.events.includes(HookEvent.Test)) continue;
    out += `---\n# Source: ${h.source}\n${h.text}\n`;
  }
  return out;
}

async function template(argv: string[], io: TemplateIO): Promise<number> {
  const { values: flags, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (flags.help === true) {
    io.stdout.write(usage);
    return 0;
  }
  if (positionals.length < 1 || positionals.length > 2) throw usageError(`expected [NAME] CHART, got ${positionals.length} arguments\n\n${usage}`);
  const chartRef = positionals.length === 2 ? positionals[1] ?? '' : positionals[0] ?? '';
  const name = positionals.length === 2 ? positionals[0] ?? '' : (flags['name-template'] ?? 'release-name');
  let user: Values = {};
  for (const file of flags.values ?? []) user = mergeMaps(user, parseValuesYaml(await readFile(file), file));
  applySets(user, flags.set ?? [], false);
  applySets(user, flags['set-string'] ?? [], true);
  const kubeVersion = flags['kube-version'] ?? TEMPLATE_KUBE_VERSION;
  const prepared = prepareChart(await loadChart(chartRef, flags.repo, flags.version), user, {
    kubeVersion,
    skipSchemaValidation: flags['skip-schema-validation'] === true,
  });
  const isUpgrade = flags['is-upgrade'] === true;
  const apiVersions = (flags['api-versions'] ?? []).flatMap((a) => a.split(',')).filter((a) => a !== '');
  const result = await renderChart({
    chart: prepared.chart,
    values: prepared.values,
    release: { name, namespace: flags.namespace ?? 'default', revision: 1, isInstall: !isUpgrade, isUpgrade },
    capabilities: { kubeVersion, apiVersions },
    options: { rendererBin: flags['renderer-bin'] },
    ...(flags.kubeconfig === undefined ? {} : { lookup: clusterLookup(flags.kubeconfig) }),
  });
  const crds = flags['include-crds'] === true ? crdFiles(chartTree(prepared.chart, prepared.values)) : [];
  io.stdout.write(templateStream(result, crds, flags['skip-tests'] === true));
  return 0;
}

/** `lookup` served from the cluster of a kubeconfig file (its current context), read-only. */
function clusterLookup(path: string): LookupFn {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const api = new KubeApiClient(kc);
  const resources = new ResourceClient(api, new RestMapper(api), FIELD_MANAGER);
  return (req) => (req.name === '' ? resources.list(req) : resources.get(req));
}

/** Runs `maglev template`; returns the exit code (0 ok, 1 render/chart error, 2 usage error). */
export async function run(argv: string[], io: TemplateIO = process): Promise<number> {
  try {
    return await template(argv, io);
  } catch (err) {
    if (isMaglevError(err)) {
      io.stderr.write(`Error: ${err.code}: ${err.message}\n`);
      return err.code === ErrorCode.InvalidOptions ? 2 : 1;
    }
    if (err instanceof TypeError && (err as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`Error: ${err.message}\n\n${usage}`);
      return 2;
    }
    io.stderr.write(`Error: ${errorMessage(err)}\n`);
    return 1;
  }
}
