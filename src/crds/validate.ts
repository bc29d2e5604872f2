/**
 * Checks the API server cannot make: duration values, semver syntax, and the component graph of a distro
 * (unique names, known and enabled dependencies, no cycles). Pure functions; each returns every problem
 * found, with the field path it is about, so a condition message can name all of them at once.
 */
import semver from 'semver';
import { ErrorCode, MaglevError } from '../errors.js';
import { describeDurationError, tryParseDuration } from './duration.js';
import type { ChartSource, ComponentReleaseOptions, HelmReleaseSpec, MaglevDistroSpec } from './generated/types.js';

export { parseDuration, tryParseDuration } from './duration.js';

/** One thing wrong with a spec: the field path (e.g. `spec.chart.version`) and what is wrong there. */
export interface Problem {
  field: string;
  message: string;
}

/** Longest Helm release name; a child HelmRelease of a distro defaults its release name to its own name. */
export const MAX_RELEASE_NAME = 53;

/** Problems of a duration field; none when it is absent or valid. */
export function checkDuration(value: string | undefined, field: string): Problem[] {
  if (value === undefined) return [];
  const result = tryParseDuration(value);
  return result.error === undefined ? [] : [{ field, message: describeDurationError(value, result.error) }];
}

/** Problems of a chart version: it must be a semver range or exact version (`*`, `1.x`, `>=6.0.0 <7.0.0`). */
export function checkVersionRange(value: string | undefined, field: string): Problem[] {
  if (value === undefined || semver.validRange(value) !== null) return [];
  return [
    {
      field,
      message: `${JSON.stringify(value)} is not a semver range or version; expected e.g. 6.5.0, 6.x, ^6.1.0 or ">=6.0.0 <7.0.0"`,
    },
  ];
}

function checkChart(chart: ChartSource | undefined, field: string): Problem[] {
  return checkVersionRange(chart?.version, `${field}.version`);
}

function checkReleaseOptions(spec: ComponentReleaseOptions | undefined, field: string): Problem[] {
  if (spec === undefined) return [];
  return [
    ...checkDuration(spec.interval, `${field}.interval`),
    ...checkDuration(spec.timeout, `${field}.timeout`),
    ...checkDuration(spec.test?.timeout, `${field}.test.timeout`),
  ];
}

/** Every problem of a HelmRelease spec the API server does not catch. */
export function validateHelmReleaseSpec(spec: HelmReleaseSpec, field = 'spec'): Problem[] {
  return [...checkChart(spec.chart, `${field}.chart`), ...checkReleaseOptions(spec, field)];
}

/** The part of a component the graph checks read (bundle components have the same fields). */
export interface ComponentNode {
  name: string;
  dependsOn?: string[];
  enabled?: boolean;
}

function enabled(c: ComponentNode): boolean {
  return c.enabled !== false;
}

/** Problems of duplicated component names; each duplicate is reported at its own index. */
export function checkComponentNames(components: readonly ComponentNode[], field = 'spec.components'): Problem[] {
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  components.forEach((c, i) => {
    const first = firstIndex.get(c.name);
    if (first === undefined) firstIndex.set(c.name, i);
    else problems.push({ field: `${field}[${i}].name`, message: `duplicate component name "${c.name}" (first at index ${first})` });
  });
  return problems;
}

/**
 * The first dependency cycle among enabled components, as names from a component back to itself
 * (`['a', 'b', 'a']`), or undefined when the graph is acyclic. Unknown dependencies are ignored here.
 */
export function findCycle(components: readonly ComponentNode[]): string[] | undefined {
  const byName = new Map(components.filter(enabled).map((c) => [c.name, c] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of byName.keys()) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Problems of dependsOn entries of enabled components: unknown or disabled targets, and cycles. */
export function checkDependencies(components: readonly ComponentNode[], field = 'spec.components'): Problem[] {
  const byName = new Map(components.map((c) => [c.name, c] as const));
  const problems: Problem[] = [];
  components.forEach((c, i) => {
    if (!enabled(c)) return;
    (c.dependsOn ?? []).forEach((dep, j) => {
      const target = byName.get(dep);
      const where = `${field}[${i}].dependsOn[${j}]`;
      if (target === undefined) problems.push({ field: where, message: `"${dep}" is not a component of this distro` });
      else if (!enabled(target)) problems.push({ field: where, message: `"${dep}" is disabled (enabled: false)` });
    });
  });
  const cycle = findCycle(components);
  if (cycle !== undefined) problems.push({ field, message: `dependency cycle: ${cycle.join(' -> ')}` });
  return problems;
}

/** The component fields checked beyond the graph: chart range, release options, child release name. */
export interface ComponentSpec extends ComponentNode {
  chart?: ChartSource;
  release?: ComponentReleaseOptions;
}

function checkComponent(c: ComponentSpec, field: string, distroName: string | undefined): Problem[] {
  const problems = [...checkChart(c.chart, `${field}.chart`), ...checkReleaseOptions(c.release, `${field}.release`)];
  const child = `${distroName ?? ''}-${c.name}`;
  if (distroName !== undefined && c.release?.releaseName === undefined && child.length > MAX_RELEASE_NAME) {
    problems.push({
      field: `${field}.name`,
      message: `release name "${child}" would be longer than ${MAX_RELEASE_NAME} characters; shorten it or set release.releaseName`,
    });
  }
  return problems;
}

/**
 * Problems of a list of distro components (inline, or merged with a bundle): names, graph, chart ranges,
 * durations, and, when `distroName` is given, the length of each child release name.
 */
export function validateComponents(
  components: readonly ComponentSpec[],
  distroName?: string,
  field = 'spec.components',
): Problem[] {
  return [
    ...checkComponentNames(components, field),
    ...checkDependencies(components, field),
    ...components.flatMap((c, i) => checkComponent(c, `${field}[${i}]`, distroName)),
  ];
}

/** Every problem of a MaglevDistro spec the API server does not catch (bundle components not included). */
export function validateMaglevDistroSpec(spec: MaglevDistroSpec, distroName?: string): Problem[] {
  const version: Problem[] =
    semver.valid(spec.version) === null
      ? [{ field: 'spec.version', message: `${JSON.stringify(spec.version)} is not a semantic version; expected e.g. 1.4.0` }]
      : [];
  // With a bundle, inline components may override or depend on bundle components: the driver checks the
  // composed list once the bundle is read.
  if (spec.bundle !== undefined) return [...version, ...checkComponentNames(spec.components ?? [], 'spec.components')];
  return [...version, ...validateComponents(spec.components ?? [], distroName)];
}

/** A terminal InvalidSpec error listing every problem, or undefined when there are none. */
export function problemsError(problems: readonly Problem[]): MaglevError | undefined {
  const [first] = problems;
  if (first === undefined) return undefined;
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new MaglevError(ErrorCode.InvalidSpec, message, { terminal: true, where: first.field });
}
