/**
 * The metric names the shipped dashboard and alerts use, and the names an operator exposes, so tests can
 * check that every name used exists: test/unit/observability.test.ts against the prom-client registry,
 * test/e2e/operator.test.ts against a running operator's /metrics page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

/** The chart directory holding dashboards/ and alerts/. */
export const CHART_DIR = join('charts', 'maglev-operator');
/** The Grafana dashboard, relative to the repository root. */
export const DASHBOARD_PATH = join(CHART_DIR, 'dashboards', 'maglev-operator.json');
/** The Prometheus rule file with the alerts, relative to the repository root. */
export const ALERTS_PATH = join(CHART_DIR, 'alerts', 'maglev-operator.yaml');

/** One PromQL expression and where it was found. */
export interface Expression {
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown }[] };
}

/** Every panel query and every query variable's selector (`label_values(SELECTOR, label)`) of the dashboard. */
export function dashboardExpressions(root: string): Expression[] {
  const dash = JSON.parse(readFileSync(join(root, DASHBOARD_PATH), 'utf8')) as Dashboard;
  const out: Expression[] = [];
  const walk = (panels: readonly Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `panel "${p.title ?? '?'}" ${t.refId ?? '?'}`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dash.panels ?? []);
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query ?? '';
    const selector = /^label_values\((.+),\s*[A-Za-z_]\w*\s*\)$/.exec(query.trim())?.[1];
    if (selector === undefined) throw new Error(`variable ${v.name}: expected label_values(SELECTOR, label), got ${query}`);
    out.push({ where: `variable ${v.name}`, expr: selector });
  }
  return out;
}

/** The `expr` of every rule in the alert rule file. */
export function alertExpressions(root: string): Expression[] {
  const file = yaml.load(readFileSync(join(root, ALERTS_PATH), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record ?? '?'}`, expr: r.expr })));
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects (as written, so `x_bucket` stays `x_bucket`). String
 * literals, label matchers, ranges, grouping label lists, numbers, durations, Grafana `$variables`,
 * function and aggregation names (an identifier followed by `(`) and keywords are left out.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/(?<![\w:])\d[\w.]*(?:[+-]\d+)?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/**
 * The series names a Prometheus text page can hold, from its `# TYPE` lines: a histogram `x` gives
 * `x_bucket`, `x_sum` and `x_count` (not `x` itself), a summary `x`, `x_sum` and `x_count`, other types
 * their own name. Names of sample lines are added too.
 */
export function exposedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const line of page.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (type !== null) {
      const [, name = '', kind] = type;
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      else if (kind === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
      else names.add(name);
      continue;
    }
    const sample = /^([A-Za-z_:][\w:]*)[{ ]/.exec(line);
    if (sample?.[1] !== undefined) names.add(sample[1]);
  }
  return names;
}

/** Each use of a name `exposed` lacks, as `where: name`, for every expression of the dashboard and the alerts. */
export function unknownNames(root: string, exposed: ReadonlySet<string>): string[] {
  return [...dashboardExpressions(root), ...alertExpressions(root)].flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((n) => !exposed.has(n))
      .map((n) => `${where}: ${n}`),
  );
}
