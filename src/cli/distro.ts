/**
 * `maglev distro pack|inspect`: build a distro bundle from a directory (reproducible: the same input gives the
 * same bytes, whose digest it prints), and show and check a bundle file or URL (manifest, dependency levels,
 * chart and version per component; every problem listed, exit 1 for a bad bundle). See src/distro/bundle.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_LOAD_LIMITS } from '../chart/archive.js';
import { chartPath, inspectBundle, packBundle, type BundleReport } from '../distro/bundle.js';
import { errorMessage } from '../errors.js';
import type { TemplateIO } from './template.js';

const usage = `Usage:
  maglev distro pack DIR -o FILE     package DIR (distro.yaml and the charts it names) into a bundle
  maglev distro inspect FILE|URL     show a bundle's manifest, dependency levels and charts, and check it
`;

/** Reads a bundle from a file or an http(s) URL, at most the chart-tree cap of bytes. */
async function readSource(source: string): Promise<Buffer> {
  if (!/^https?:\/\//.test(source)) return readFile(source);
  const res = await fetch(source, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`GET ${source}: ${res.status} ${res.statusText}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > DEFAULT_LOAD_LIMITS.maxTotalBytes) throw new Error(`GET ${source}: larger than ${DEFAULT_LOAD_LIMITS.maxTotalBytes} bytes`);
  return body;
}

/** The human description of a bundle report. */
export function describeBundle(report: BundleReport, source: string): string {
  const lines = [`bundle ${source}`, `digest ${report.digest}`];
  const m = report.manifest;
  if (m !== undefined) {
    lines.push(`distro ${m.name} ${m.version}${m.description === undefined ? '' : ` (${m.description})`}`);
    if (m.upgradeFrom !== undefined) lines.push(`upgrade from ${m.upgradeFrom}`);
    lines.push('', 'COMPONENT\tLEVEL\tCLASS\tPOLICY\tNAMESPACE\tCHART');
    const level = new Map(report.levels.flatMap((names, l) => names.map((n) => [n, l] as const)));
    for (const c of m.components) {
      const path = chartPath(c);
      const info = path === undefined ? undefined : report.charts.get(path);
      const chart = typeof c.chart === 'string' ? (info === undefined ? path : `${info.name}@${info.version} (${path})`) : `${c.chart.name}@${c.chart.version ?? '*'} (${c.chart.repository ?? ''})`;
      const l = c.enabled === false ? 'disabled' : String(level.get(c.name) ?? '?');
      lines.push([c.name, l, c.class ?? '-', c.upgradePolicy ?? 'Automatic', c.namespace ?? '-', chart].join('\t'));
    }
    if (report.levels.length > 0) {
      lines.push('', 'levels (installs and upgrades go level 0 first; removals and downgrades the other way):');
      report.levels.forEach((names, l) => lines.push(`  ${l}: ${names.join(', ')}`));
    }
  }
  if (report.problems.length > 0) lines.push('', `${report.problems.length} problem(s):`, ...report.problems.map((p) => `  ${p}`));
  return `${lines.join('\n')}\n`;
}

/** Runs `maglev distro ...`; returns the exit code. */
export async function run(argv: string[], io: TemplateIO = process): Promise<number> {
  const [verb, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.stderr.write(`maglev distro: ${errorMessage(err)}\n\n${usage}`);
    return 2;
  }
  const [target] = parsed.positionals;
  if (verb === undefined || verb === 'help' || parsed.values.help === true) {
    io.stdout.write(usage);
    return verb === undefined ? 2 : 0;
  }
  if (target === undefined || parsed.positionals.length !== 1 || (verb === 'pack' && parsed.values.output === undefined)) {
    io.stderr.write(`maglev distro ${verb}: ${verb === 'pack' ? 'needs DIR and -o FILE' : 'needs one FILE or URL'}\n\n${usage}`);
    return 2;
  }
  try {
    if (verb === 'pack') {
      const out = parsed.values.output ?? '';
      const { bundle, report } = await packBundle(target);
      await writeFile(out, bundle);
      const m = report.manifest;
      io.stdout.write(`packed ${out}: ${m?.name ?? ''} ${m?.version ?? ''}, ${m?.components.length ?? 0} components, ${bundle.length} bytes\n${report.digest}\n`);
      return 0;
    }
    if (verb === 'inspect') {
      const report = await inspectBundle(await readSource(target), target);
      io.stdout.write(describeBundle(report, target));
      return report.problems.length === 0 ? 0 : 1;
    }
  } catch (err) {
    io.stderr.write(`maglev distro ${verb}: ${errorMessage(err)}\n`);
    return 1;
  }
  io.stderr.write(`maglev distro: unknown command "${verb}"\n\n${usage}`);
  return 2;
}
