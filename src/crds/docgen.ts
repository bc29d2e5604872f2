/**
 * Renders docs/api.md from the kind definitions and the prose in reference.ts: per kind an intro, an
 * example, one table per object type of spec and status, the CEL rules, the kubectl names and columns,
 * and the conditions. Deterministic: object types come in the order a depth-first walk of the schema
 * first reaches them, fields in schema order.
 */
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, DURATION_PATTERN } from './common.js';
import { GROUP, VERSION, type KindDefinition } from './crd.js';
import { CONVENTIONS, KIND_DOCS, STALLED_EXAMPLE, SUMMARY_REASONS, type KindDoc } from './reference.js';
import type { Schema } from './schema.js';

/** Path of the generated API reference. */
export const API_DOC_PATH = 'docs/api.md';

/** First line of docs/api.md. */
export const API_DOC_HEADER = 'Generated from src/crds by `npm run generate`; do not edit by hand.';

/**
 * Markdown for `text` whose `code spans` are kept: outside them `\`, `*`, `<` and `>` are escaped; in a
 * table cell (`cell`) pipes are escaped everywhere, code spans included.
 */
export function md(text: string, cell = false): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => {
      const escaped = i % 2 === 1 ? part : part.replace(/[\\*]/g, '\\$&').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
      return cell ? escaped.replaceAll('|', '\\|') : escaped;
    })
    .join('');
}

/** `value` as a code span (for a table cell when `cell`). */
function code(value: string, cell = true): string {
  const fence = value.includes('`') ? '``' : '`';
  const body = cell ? value.replaceAll('|', '\\|') : value;
  return fence === '``' ? `\`\` ${body} \`\`` : `\`${body}\``;
}

/** "a", "a and b", "a, b and c". */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/** An object type of one kind, documented once, with every path where it occurs. */
interface TypeSection {
  name: string;
  anchor: string;
  schema: Schema;
  paths: string[];
}

/** The object types of one kind, keyed by schema node; same name and same shape share a section. */
class TypeIndex {
  readonly sections: TypeSection[] = [];
  readonly #byNode = new Map<Schema, TypeSection>();

  constructor(private readonly kind: string) {}

  /** Records `node` (an object with properties) at `path`. */
  add(node: Schema, path: string): void {
    let section = this.#byNode.get(node);
    const name = node.typeName ?? 'Object';
    section ??= this.sections.find((s) => s.name === name && JSON.stringify(s.schema) === JSON.stringify(node));
    if (section === undefined) {
      const twins = this.sections.filter((s) => s.name === name).length;
      const anchor = `${this.kind}-${name}`.toLowerCase() + (twins === 0 ? '' : `-${twins + 1}`);
      section = { name, anchor, schema: node, paths: [] };
      this.sections.push(section);
    }
    this.#byNode.set(node, section);
    if (!section.paths.includes(path)) section.paths.push(path);
  }

  /** The section documenting `node`, when it is an object type. */
  of(node: Schema): TypeSection | undefined {
    return this.#byNode.get(node);
  }
}

/** Every node under `node` with its path (`spec.components[].chart`), depth first, in schema order. */
function walk(node: Schema, path: string, visit: (node: Schema, path: string) => void): void {
  visit(node, path);
  for (const [key, prop] of Object.entries(node.properties ?? {})) walk(prop, `${path}.${key}`, visit);
  if (node.items !== undefined) walk(node.items, `${path}[]`, visit);
  if (node.additionalProperties !== undefined) walk(node.additionalProperties, `${path}[key]`, visit);
}

function indexTypes(index: TypeIndex, root: Schema, path: string): TypeSection[] {
  const before = index.sections.length;
  walk(root, path, (node, at) => {
    if (node.properties !== undefined) index.add(node, at);
  });
  return index.sections.slice(before);
}

function typeText(node: Schema, index: TypeIndex): string {
  const section = index.of(node);
  if (section !== undefined) return `[${section.name}](#${section.anchor})`;
  if (node.type === 'array') return `list of ${node.items === undefined ? 'any' : typeText(node.items, index)}`;
  if (node.type === 'object' && node.additionalProperties !== undefined) {
    return `map of ${typeText(node.additionalProperties, index)}`;
  }
  if (node.type === 'string' && node.format !== undefined) return `string (${node.format})`;
  return node.type;
}

const NAMED_PATTERNS: ReadonlyMap<string, string> = new Map([
  [DURATION_PATTERN, 'Go duration'],
  [DNS_LABEL_PATTERN, 'DNS-1123 label'],
  [DNS_SUBDOMAIN_PATTERN, 'DNS-1123 subdomain'],
  [`^$|${DNS_SUBDOMAIN_PATTERN}`, 'empty or DNS-1123 subdomain'],
]);

function bounds(min: number | undefined, max: number | undefined, what: string): string | undefined {
  if (min !== undefined && max !== undefined) return `${what}${min}–${max}`;
  if (min !== undefined) return `${what}≥ ${min}`;
  if (max !== undefined) return `${what}≤ ${max}`;
  return undefined;
}

/** What the API server checks about a value of `node`, for the Validation column. */
function constraints(node: Schema, index: TypeIndex): string[] {
  const out: string[] = [];
  if (node.enum !== undefined) out.push(`one of ${node.enum.map((v) => code(v)).join(', ')}`);
  if (node.pattern !== undefined) out.push(NAMED_PATTERNS.get(node.pattern) ?? `pattern ${code(node.pattern)}`);
  for (const b of [bounds(node.minLength, node.maxLength, 'length '), bounds(node.minimum, node.maximum, '')]) {
    if (b !== undefined) out.push(b);
  }
  if (node.maxItems !== undefined) out.push(`at most ${node.maxItems} items`);
  if (node.maxProperties !== undefined) out.push(`at most ${node.maxProperties} entries`);
  const listType = node['x-kubernetes-list-type'];
  if (listType === 'map') out.push(`unique ${joinAnd((node['x-kubernetes-list-map-keys'] ?? []).map((k) => code(k)))}`);
  if (listType === 'set') out.push('unique items');
  if (node['x-kubernetes-preserve-unknown-fields'] === true) out.push('any fields');
  for (const [inner, label] of [[node.items, 'each item'], [node.additionalProperties, 'each value']] as const) {
    if (inner === undefined || index.of(inner) !== undefined) continue;
    const c = constraints(inner, index);
    if (c.length > 0) out.push(`${label}: ${c.join(', ')}`);
  }
  return out;
}

function defaultText(value: unknown): string {
  if (value === undefined) return '';
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

function sectionMarkdown(section: TypeSection, index: TypeIndex): string {
  const { schema, paths } = section;
  const [first = ''] = paths;
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {}).map(([key, prop]) => {
    const validation = [...(required.has(key) ? ['required'] : []), ...constraints(prop, index)].join('; ');
    const cells = [code(`${first}.${key}`), typeText(prop, index), defaultText(prop.default), validation];
    return `| ${[...cells, md(prop.description, true)].join(' | ')} |`;
  });
  return [
    `<a id="${section.anchor}"></a>`,
    `#### ${section.name}`,
    '',
    `At ${joinAnd(paths.map((p) => code(p, false)))}. ${md(schema.description)}`,
    '',
    '| Field | Type | Default | Validation | Description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function celMarkdown(def: KindDefinition, index: TypeIndex, doc: KindDoc): string {
  const rows: string[] = [];
  walk(def.spec, 'spec', (node, path) => {
    for (const r of node['x-kubernetes-validations'] ?? []) {
      const section = index.of(node);
      const where = section === undefined ? code(path) : `${code(path)} ([${section.name}](#${section.anchor}))`;
      rows.push(`| ${where} | ${code(r.rule)} | ${md(r.message, true)} |`);
    }
  });
  return [
    'The API server rejects an object that breaks these rules, with the message shown:',
    '',
    '| At | Rule (CEL) | Message |',
    '|---|---|---|',
    ...rows,
    '',
    `The operator checks what the API server cannot; a failed check sets ${code('Stalled=True', false)} with reason ` +
      `${code('InvalidSpec', false)} and a message naming every field:`,
    '',
    ...doc.operatorChecks.map((c) => `- ${md(c)}`),
    '',
  ].join('\n');
}

function kubectlMarkdown(def: KindDefinition): string {
  const names = [def.plural, ...def.shortNames].map((n) => code(`kubectl get ${n}`, false));
  const rows = def.printerColumns.map(
    (c) => `| ${c.name.toUpperCase()} | ${c.type} | ${code(c.jsonPath)} | ${md(c.description, true)} |`,
  );
  return [
    `Short names: ${def.shortNames.map((n) => code(n, false)).join(', ')}. ` +
      `Categories: ${def.categories.map((n) => code(n, false)).join(', ')} ` +
      `(${def.categories.map((n) => code(`kubectl get ${n}`, false)).join(', ')} lists every kind of the category).`,
    '',
    `${joinAnd(names)} show these columns:`,
    '',
    '| Column | Type | JSONPath | Description |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function kindMarkdown(def: KindDefinition, doc: KindDoc): string {
  const index = new TypeIndex(def.kind);
  const specSections = indexTypes(index, def.spec, 'spec');
  const statusSections = indexTypes(index, def.status, 'status');
  const out = [
    `## ${def.kind}`,
    '',
    md(def.description),
    '',
    ...doc.intro.flatMap((p) => [md(p), '']),
    `API version ${code(`${GROUP}/${VERSION}`, false)}, namespaced, resource ${code(def.plural, false)}, with the ` +
      `${code('status', false)} subresource.`,
    '',
    '### Example',
    '',
    '```yaml',
    doc.example.trimEnd(),
    '```',
    '',
    '### Spec',
    '',
    ...specSections.map((s) => sectionMarkdown(s, index)),
    '### Validation',
    '',
    celMarkdown(def, index, doc),
    '### kubectl',
    '',
    kubectlMarkdown(def),
    '### Status',
    '',
    ...statusSections.map((s) => sectionMarkdown(s, index)),
    '### Conditions',
    '',
    `Condition types of ${def.kind} (reasons: see [Status conditions](#status-conditions)):`,
    '',
    '| Type | Meaning |',
    '|---|---|',
    ...doc.conditions.map((c) => `| ${code(c.type)} | ${md(c.meaning, true)} |`),
    '',
  ];
  if (doc.annotations.length > 0) {
    out.push('### Annotations', '', 'Set to any new value (a timestamp, say) to ask for the action once:', '');
    out.push('| Annotation | Effect |', '|---|---|');
    out.push(...doc.annotations.map((a) => `| ${code(a.name)} | ${md(a.meaning, true)} |`), '');
  }
  return out.join('\n');
}

function reasonsMarkdown(): string {
  return [
    '## Status conditions',
    '',
    'Reasons the operator writes on `Ready`, `Reconciling` and `Stalled`:',
    '',
    '| Reason | Conditions | When |',
    '|---|---|---|',
    ...SUMMARY_REASONS.map((r) => `| ${md(r.reason, true)} | ${md(r.conditions, true)} | ${md(r.meaning, true)} |`),
    '',
    'For example, a HelmRelease whose chart version is not a semver range:',
    '',
    '```yaml',
    STALLED_EXAMPLE.trimEnd(),
    '```',
    '',
  ].join('\n');
}

/** The content of docs/api.md for `kinds`; every kind needs its prose in reference.ts. */
export function generateApiDoc(kinds: readonly KindDefinition[]): string {
  const docs = kinds.map((def) => {
    const doc = KIND_DOCS[def.kind];
    if (doc === undefined) throw new Error(`src/crds/reference.ts has no KIND_DOCS entry for ${def.kind}`);
    return [def, doc] as const;
  });
  const toc = joinAnd(kinds.map((d) => `[${d.kind}](#${d.kind.toLowerCase()})`));
  return [
    API_DOC_HEADER,
    '',
    `# API reference: ${GROUP}/${VERSION}`,
    '',
    `The kinds of the ${code(GROUP, false)} group, version ${code(VERSION, false)}: ${toc}. This page is the API ` +
      'contract; [operations.md](operations.md#what-the-operator-does-today) says which parts the operator acts on today.',
    '',
    '## Conventions',
    '',
    ...CONVENTIONS.map((c) => `- ${md(c)}`),
    '',
    ...docs.map(([def, doc]) => kindMarkdown(def, doc)),
    reasonsMarkdown(),
  ].join('\n');
}
