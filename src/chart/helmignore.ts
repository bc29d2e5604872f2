/**
 * `.helmignore` rules for loading charts from directories, with Helm's semantics (pkg/ignore): one
 * Go filepath.Match pattern per line, `#` comments, `!` negation, trailing `/` for directories only,
 * a leading `/` or any `/` matches the whole relative path, otherwise only the base name; `**` is refused.
 * `templates/.?*` (hidden files in templates/) is always ignored. Rules match with RE2 (linear time, as Go's
 * filepath.Match is): with backtracking, a rule like `*a*a*a*a*a*a*a*a*b` took 25 s on a 60-character name.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { compileLinear, type LinearRegExp } from './regexp.js';

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  wholePath: boolean;
  re: LinearRegExp;
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Translates a Go filepath.Match pattern into an anchored RE2 pattern; throws on a malformed pattern. */
export function globToRegExp(pattern: string): LinearRegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      i += 1;
      if (i >= pattern.length) throw new Error(`bad pattern "${pattern}": trailing backslash`);
      out += escapeRe(pattern.charAt(i));
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') throw new Error(`bad pattern "${pattern}": empty character class`);
      const cls = body.replace(/\\(.)/g, (_m, ch: string) => escapeRe(ch)).replace(/([\]^[])/g, '\\$1');
      out += negate ? `[^/${cls}]` : `[${cls}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return compileLinear(`^${out}$`);
}

function classEnd(pattern: string, start: number): number {
  for (let j = start + 1; j < pattern.length; j++) {
    const ch = pattern.charAt(j);
    if (ch === '\\') j += 1;
    else if (ch === ']' && j > start + 1) return j;
  }
  throw new Error(`bad pattern "${pattern}": unterminated character class`);
}

function parseRule(line: string, where: string): Rule | undefined {
  let rule = line.trim();
  if (rule === '' || rule.startsWith('#')) return undefined;
  if (rule.includes('**')) throw new MaglevError(ErrorCode.ChartInvalid, `${where}: double-star (**) syntax is not supported in "${rule}"`, { where, terminal: true });
  const negate = rule.startsWith('!');
  if (negate) rule = rule.slice(1);
  const dirOnly = rule.endsWith('/');
  if (dirOnly) rule = rule.slice(0, -1);
  const wholePath = rule.includes('/');
  if (rule.startsWith('/')) rule = rule.slice(1);
  try {
    return { negate, dirOnly, wholePath, re: globToRegExp(rule) };
  } catch (err) {
    throw new MaglevError(ErrorCode.ChartInvalid, `${where}: ${err instanceof Error ? err.message : String(err)}`, { where, terminal: true, cause: err });
  }
}

/** Compiled ignore rules; `ignores(path, isDir)` takes a chart-relative POSIX path. */
export class HelmIgnore {
  private readonly rules: Rule[];

  /** Parses `.helmignore` text (may be empty); `where` names the file in errors. */
  constructor(text: string, where = '.helmignore') {
    const defaults = [parseRule('templates/.?*', where)];
    const parsed = text.split(/\r?\n/).map((l) => parseRule(l, where));
    this.rules = [...defaults, ...parsed].filter((r): r is Rule => r !== undefined);
  }

  /** True when the path is ignored. Negated rules keep a path only if it matches them (Helm's order). */
  ignores(path: string, isDir: boolean): boolean {
    if (path === '' || path === '.') return false;
    const base = path.slice(path.lastIndexOf('/') + 1);
    for (const r of this.rules) {
      const hit = r.re.test(r.wholePath ? path : base);
      if (r.negate) {
        if (r.dirOnly && !isDir) return true;
        if (!hit) return true;
        continue;
      }
      if (r.dirOnly && !isDir) continue;
      if (hit) return true;
    }
    return false;
  }
}
