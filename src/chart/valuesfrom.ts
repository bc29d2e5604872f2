/**
 * Composition of a release's user values from `spec.valuesFrom` (already fetched by the controller) and
 * `spec.values`: sources merge in order (tables deep-merge, everything else replaces), inline values last
 * and highest. A source with `targetPath` sets one value at a Helm `--set` style path with the raw string.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { canonicalJson, deepCopy, getOwn, hasOwn, isTable, nestingDepth, setOwn } from './objects.js';
import type { Values } from './types.js';
import { parseValuesYaml } from './yaml.js';

/** One valuesFrom entry with the content the controller read (undefined: object or key missing). */
export interface ValuesSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
  optional?: boolean;
  targetPath?: string;
  content: string | undefined;
}

/** Caps for {@link composeValues}: bytes per source and of the merged result (canonical JSON); 1 MiB each. */
export interface ComposeOptions {
  maxSourceBytes?: number;
  maxTotalBytes?: number;
}

/** Largest list index a path may name (Helm's strvals cap), so `a[999999999]` cannot allocate. */
export const MAX_PATH_INDEX = 65_536;

type Segment = { key: string } | { index: number };

function badPath(path: string, why: string): MaglevError {
  return new MaglevError(ErrorCode.ValuesInvalid, `targetPath "${path}": ${why} (accepted: keys joined by ".", list indexes like a.b[0].c, "\\." for a literal dot)`, { where: 'targetPath', terminal: true });
}

/** Parses a `--set` style path: `a.b[0].c`, with `\` escaping `.`, `[`, `]`, `=`, `,` and `\`. */
export function parseValuesPath(path: string): Segment[] {
  const out: Segment[] = [];
  let key = '';
  let pendingKey = true;
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\') {
      i += 1;
      if (i >= path.length) throw badPath(path, 'ends with a lone "\\"');
      key += path.charAt(i);
    } else if (c === '.') {
      if (pendingKey) {
        if (key === '') throw badPath(path, 'has an empty key');
        out.push({ key });
      }
      key = '';
      pendingKey = true;
    } else if (c === '[') {
      if (pendingKey) {
        if (key === '') throw badPath(path, 'has an index without a key');
        out.push({ key });
      }
      const end = path.indexOf(']', i);
      const text = end < 0 ? '' : path.slice(i + 1, end);
      if (!/^[0-9]+$/.test(text)) throw badPath(path, `has an invalid list index "[${text}"`);
      const index = Number(text);
      if (index > MAX_PATH_INDEX) throw badPath(path, `list index ${index} is over the cap of ${MAX_PATH_INDEX}`);
      out.push({ index });
      i = end;
      key = '';
      pendingKey = false;
    } else {
      if (!pendingKey) throw badPath(path, `expected "." or "[" after "]" at position ${i}`);
      key += c;
    }
  }
  if (pendingKey) {
    if (key === '') throw badPath(path, 'is empty or ends with "."');
    out.push({ key });
  }
  return out;
}

function container(next: Segment): Values | unknown[] {
  return 'index' in next ? [] : {};
}

/** Sets `value` at a parsed path, creating tables and lists (padded with null) as needed. */
export function setValuesPath(target: Values, path: string, value: unknown): void {
  const segs = parseValuesPath(path);
  let cur: Values | unknown[] = target;
  segs.forEach((seg, i) => {
    const next = segs[i + 1];
    if ('key' in seg) {
      const obj = cur as Values;
      if (next === undefined) return setOwn(obj, seg.key, value);
      const existing = getOwn(obj, seg.key);
      const ok = 'index' in next ? Array.isArray(existing) : isTable(existing);
      if (!ok) setOwn(obj, seg.key, container(next));
      cur = obj[seg.key] as Values | unknown[];
    } else {
      const list = cur as unknown[];
      while (list.length <= seg.index) list.push(null);
      if (next === undefined) return void (list[seg.index] = value);
      const existing = list[seg.index];
      const ok = 'index' in next ? Array.isArray(existing) : isTable(existing);
      if (!ok) list[seg.index] = container(next);
      cur = list[seg.index] as Values | unknown[];
    }
  });
}

/** Deep merge for layering values sources (Flux's MergeMaps): tables merge, other values replace. */
export function mergeMaps(base: Values, overlay: Values): Values {
  const out = deepCopy(base);
  for (const key of Object.keys(overlay)) {
    const a = getOwn(out, key);
    const b = overlay[key];
    setOwn(out, key, isTable(a) && isTable(b) && hasOwn(out, key) ? mergeMaps(a, b) : deepCopy(b));
  }
  return out;
}

function describe(s: ValuesSource, i: number): string {
  return `spec.valuesFrom[${i}] (${s.kind} "${s.name}" key "${s.key}")`;
}

/**
 * Merges valuesFrom sources in order, then inline values on top. Missing required sources, unparsable or
 * oversized content, and bad target paths throw ValuesInvalid naming the source.
 */
export function composeValues(sources: readonly ValuesSource[], inline: Values | undefined, opts: ComposeOptions = {}): Values {
  const maxSource = opts.maxSourceBytes ?? 1024 * 1024;
  const maxTotal = opts.maxTotalBytes ?? 1024 * 1024;
  let result: Values = {};
  sources.forEach((s, i) => {
    const what = describe(s, i);
    if (s.content === undefined) {
      if (s.optional === true) return;
      throw new MaglevError(ErrorCode.ValuesInvalid, `${what} not found; create it or mark the reference optional`, { where: `spec.valuesFrom[${i}]` });
    }
    if (Buffer.byteLength(s.content, 'utf8') > maxSource) {
      throw new MaglevError(ErrorCode.ValuesInvalid, `${what} is larger than the cap of ${maxSource} bytes`, { where: `spec.valuesFrom[${i}]`, terminal: true });
    }
    if (s.targetPath !== undefined && s.targetPath !== '') {
      try {
        setValuesPath(result, s.targetPath, s.content);
      } catch (err) {
        throw new MaglevError(ErrorCode.ValuesInvalid, `${what}: ${err instanceof Error ? err.message : String(err)}`, { where: `spec.valuesFrom[${i}].targetPath`, terminal: true, cause: err });
      }
      return;
    }
    result = mergeMaps(result, parseValuesYaml(s.content, what));
  });
  if (inline !== undefined) {
    if (nestingDepth(inline, 100) > 100) {
      throw new MaglevError(ErrorCode.ValuesInvalid, 'spec.values: nesting deeper than 100 levels', { where: 'spec.values', terminal: true });
    }
    result = mergeMaps(result, inline);
  }
  const size = Buffer.byteLength(canonicalJson(result), 'utf8');
  if (size > maxTotal) {
    throw new MaglevError(ErrorCode.ValuesInvalid, `spec.values and spec.valuesFrom together are ${size} bytes, over the cap of ${maxTotal} bytes`, { where: 'spec.values', terminal: true });
  }
  return result;
}
