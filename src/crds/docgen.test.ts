import { describe, expect, it } from 'vitest';
import { md, generateApiDoc } from './docgen.js';
import { helmRelease } from './helmrelease.js';
import { maglevDistro } from './maglevdistro.js';
import type { Schema } from './schema.js';

const kinds = [helmRelease, maglevDistro];
const doc = generateApiDoc(kinds);

/** Paths of every property under `schema` (`spec.chart.repository`, `spec.components[].name`). */
function fieldPaths(schema: Schema, path: string): string[] {
  const out: string[] = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    out.push(`${path}.${key}`, ...fieldPaths(prop, `${path}.${key}`));
  }
  if (schema.items !== undefined) out.push(...fieldPaths(schema.items, `${path}[]`));
  return out;
}

/**
 * The field paths a kind's section documents: each type table's rows (written at the first path of the
 * type) repeated for every path its "At ..." line names.
 */
function documentedPaths(section: string): Set<string> {
  const out = new Set<string>();
  for (const block of section.split('<a id=').slice(1)) {
    const at = /^At (.*?)\. /m.exec(block)?.[1] ?? '';
    const paths = [...at.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    const [first = ''] = paths;
    for (const row of block.matchAll(/^\| `([^`]+)` \|/gm)) {
      const field = row[1] ?? '';
      for (const p of paths) out.add(p + field.slice(first.length));
    }
  }
  return out;
}

/** The part of the document about one kind. */
function kindSection(kind: string): string {
  const start = doc.indexOf(`\n## ${kind}\n`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end);
}

describe('md', () => {
  it.each([
    ['Default "*" (the newest)', false, 'Default "\\*" (the newest)'],
    ['named <distro>-<name>', false, 'named &lt;distro&gt;-&lt;name&gt;'],
    ['keep `a|b <c>` as code', false, 'keep `a|b <c>` as code'],
    ['keep `a|b` in a cell, x|y', true, 'keep `a\\|b` in a cell, x\\|y'],
  ])('%j (cell %s) → %j', (text, cell, want) => {
    expect(md(text, cell)).toBe(want);
  });
});

describe('docs/api.md', () => {
  it.each(kinds)('$kind: has a row for every spec and status field', (def) => {
    const documented = documentedPaths(kindSection(def.kind));
    const missing = [...fieldPaths(def.spec, 'spec'), ...fieldPaths(def.status, 'status')].filter((p) => !documented.has(p));
    expect(missing).toEqual([]);
  });

  it.each(kinds)('$kind: lists every CEL message and printer column', (def) => {
    const section = kindSection(def.kind);
    const messages: string[] = [];
    const collect = (s: Schema): void => {
      for (const r of s['x-kubernetes-validations'] ?? []) messages.push(r.message);
      for (const p of Object.values(s.properties ?? {})) collect(p);
      if (s.items !== undefined) collect(s.items);
    };
    collect(def.spec);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(section).toContain(md(m, true));
    for (const c of def.printerColumns) expect(section).toContain(`| ${c.name.toUpperCase()} | ${c.type} |`);
    expect(section).toContain(`Short names: ${def.shortNames.map((n) => `\`${n}\``).join(', ')}`);
  });

  it('links only to anchors it defines', () => {
    const anchors = new Set([...doc.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    for (const heading of doc.matchAll(/^#{1,4} (.+)$/gm)) {
      anchors.add((heading[1] ?? '').toLowerCase().replace(/[^a-z0-9 -]/g, '').replaceAll(' ', '-'));
    }
    const targets = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !anchors.has(t))).toEqual([]);
  });

  it('refuses a kind without prose in reference.ts', () => {
    expect(() => generateApiDoc([{ ...helmRelease, kind: 'Nameless' }])).toThrow(/no KIND_DOCS entry for Nameless/);
  });
});
