/**
 * The dependency graph of a distro's components, as pure functions: the level of each component (0 for
 * no dependencies, else one more than its deepest dependency) and who depends on whom. Cycles and unknown
 * dependencies are rejected earlier (crds/validate.ts checkDependencies); here they are tolerated: an edge
 * to an unknown name is ignored and a cycle does not loop.
 */

/** A node of the graph: a name and the names it depends on. */
export interface GraphNode {
  name: string;
  dependsOn?: readonly string[];
}

/** The level of every node: 0 without dependencies, else 1 + the highest level among its dependencies. */
export function levels(nodes: readonly GraphNode[]): Map<string, number> {
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const out = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    const known = out.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let level = 0;
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (byName.has(dep)) level = Math.max(level, visit(dep) + 1);
    }
    visiting.delete(name);
    out.set(name, level);
    return level;
  };
  for (const n of nodes) visit(n.name);
  return out;
}

/** For every node, the nodes that list it in dependsOn (direct dependents only). */
export function dependents(nodes: readonly GraphNode[]): Map<string, string[]> {
  const out = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const n of nodes) {
    for (const dep of n.dependsOn ?? []) out.get(dep)?.push(n.name);
  }
  return out;
}

/** Names grouped by level, lowest level first; names sorted within a level. */
export function byLevel(level: ReadonlyMap<string, number>): string[][] {
  const groups: string[][] = [];
  for (const [name, l] of level) (groups[l] ??= []).push(name);
  return groups.map((g) => [...g].sort()).filter((g) => g.length > 0);
}
