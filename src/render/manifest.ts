/**
 * From rendered template text to checked objects: split YAML streams the way Helm does, parse each
 * document safely, require apiVersion/kind/metadata.name, separate hooks, reject duplicates.
 */
import { isRecord } from '../runtime/object.js';
import { ErrorCode, MaglevError } from '../errors.js';
import { sortByKind } from './order.js';
import { parseHook } from './hooks.js';
import type { Hook, KubeObject, RenderedObject, TemplateOutput } from './types.js';
import { parseManifestYaml } from './yaml.js';

const SEPARATOR = /(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*/;

/** Splits a YAML stream like Helm's `SplitManifests`: on `---` lines, each document trimmed, empty ones dropped. */
export function splitManifests(text: string): string[] {
  return text
    .trim()
    .split(SEPARATOR)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

/** Objects and hooks parsed from rendered templates; both in Helm's kind order (see order.ts). */
export interface ParsedManifests {
  objects: RenderedObject[];
  hooks: Hook[];
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Checks one parsed document; returns the object, or throws ManifestInvalid naming the template. */
export function checkObject(doc: unknown, source: string, index: number): KubeObject {
  const where = `${source} (document ${index + 1})`;
  const invalid = (what: string): MaglevError =>
    new MaglevError(ErrorCode.ManifestInvalid, `${where}: ${what}`, { terminal: true, where: source });
  if (!isRecord(doc)) throw invalid(`expected a mapping (a Kubernetes object), got ${describe(doc)}`);
  for (const field of ['apiVersion', 'kind'] as const) {
    const v = doc[field];
    if (typeof v !== 'string' || v.trim() === '') throw invalid(`missing ${field} (a non-empty string is required)`);
  }
  const md = doc.metadata;
  if (!isRecord(md)) throw invalid('missing metadata (a mapping with a name is required)');
  if (typeof md.name !== 'string' || md.name.trim() === '') throw invalid('missing metadata.name');
  if (md.annotations !== undefined && md.annotations !== null && !isRecord(md.annotations)) {
    throw invalid('metadata.annotations must be a mapping');
  }
  return doc as KubeObject;
}

/**
 * Parses one YAML document of a template with Helm's scalar rules (go-yaml v2: YAML 1.1 booleans, Go
 * integers, duplicate keys last-wins) under node and depth budgets; failures are ManifestInvalid.
 */
export function parseDocument(text: string, source: string, index: number): unknown {
  return parseManifestYaml(text, `${source} (document ${index + 1})`);
}

/**
 * Parses rendered templates into objects and hooks. Templates are read in path order (stable for
 * equal paths), documents in stream order; hooks with an unknown event are skipped, as Helm does.
 */
export function parseTemplateOutputs(outputs: readonly TemplateOutput[], namespace: string): ParsedManifests {
  const ordered = [...outputs].sort((a, b) => (a.source === b.source ? 0 : a.source < b.source ? -1 : 1));
  const objects: RenderedObject[] = [];
  const hooks: Hook[] = [];
  for (const out of ordered) {
    const base = out.source.slice(out.source.lastIndexOf('/') + 1);
    if (base.startsWith('_')) continue;
    splitManifests(out.text).forEach((text, i) => {
      const doc = parseDocument(text, out.source, i);
      if (doc === null || doc === undefined) return;
      const rendered: RenderedObject = { source: out.source, text, object: checkObject(doc, out.source, i) };
      const hook = parseHook(rendered);
      if (hook === 'skip') return;
      if (hook === undefined) objects.push(rendered);
      else hooks.push(hook);
    });
  }
  assertUnique(objects, namespace);
  return { objects: sortByKind(objects), hooks: sortByKind(hooks) };
}

/** The identity an object is applied under: group, kind, namespace (release namespace when unset), name. */
export function objectKey(obj: KubeObject, namespace: string): string {
  const slash = obj.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  const ns = typeof obj.metadata.namespace === 'string' && obj.metadata.namespace !== '' ? obj.metadata.namespace : namespace;
  return `${group}/${obj.kind}/${ns}/${obj.metadata.name}`;
}

/** Throws DuplicateObject naming both templates when two objects share an identity. */
export function assertUnique(items: readonly RenderedObject[], namespace: string): void {
  const seen = new Map<string, RenderedObject>();
  for (const item of items) {
    const key = objectKey(item.object, namespace);
    const first = seen.get(key);
    if (first !== undefined) {
      const [group, kind, ns, name] = key.split('/');
      const what = `${group === '' ? '' : `${group}/`}${kind} ${ns}/${name}`;
      throw new MaglevError(
        ErrorCode.DuplicateObject,
        `${what} is rendered twice: by ${first.source} and by ${item.source}`,
        { terminal: true, where: item.source },
      );
    }
    seen.set(key, item);
  }
}

/** Helm's release manifest text for `objects`: `---\n# Source: <path>\n<doc>\n` per object. */
export function manifestText(objects: readonly RenderedObject[]): string {
  return objects.map((o) => `---\n# Source: ${o.source}\n${o.text}\n`).join('');
}
