/**
 * Linear-time regular expressions for text that charts and specs control: values.schema.json patterns,
 * `.helmignore` globs, version constraints. Patterns are RE2 syntax (re2js, a pure-JS port of RE2), which is
 * what Helm does: its JSON-schema libraries compile `pattern` with Go's regexp, and Masterminds semver matches
 * constraints with it. So there are no backreferences or lookaround, `\s` is ASCII whitespace, `(?i)` and
 * `\x{…}` are accepted, and matching costs at most (pattern size × input length) steps, never backtracking.
 */
import { RE2JS } from 're2js';

/** A compiled pattern. `test` searches (unanchored, as RegExp.prototype.test); `toString` is `/source/`. */
export interface LinearRegExp {
  readonly source: string;
  /** Compiled program size: the per-character cost of a match. */
  readonly size: number;
  test(input: string): boolean;
  /** RegExp-like exec (index 0 the match, then the groups), or null. */
  exec(input: string): (string | undefined)[] | null;
  toString(): string;
}

/** A pattern that is not RE2 syntax; `reason` is RE2's own message. */
export class PatternSyntaxError extends Error {
  readonly pattern: string;
  readonly reason: string;

  constructor(pattern: string, reason: string) {
    super(`${JSON.stringify(pattern)} is not an RE2 regular expression (${reason}); backreferences and lookaround are not supported, as in helm`);
    this.name = 'PatternSyntaxError';
    this.pattern = pattern;
    this.reason = reason;
  }
}

/** Thrown by a match or compile when the active {@link withMatchBudget} is used up. */
export class MatchBudgetExceeded extends Error {
  readonly pattern: string;

  constructor(pattern: string, budget: number) {
    const shown = pattern.length > 80 ? `${pattern.slice(0, 80)}...` : pattern;
    super(`matching pattern ${JSON.stringify(shown)} exceeded the budget of ${budget} steps (pattern size × string length, summed over every check)`);
    this.name = 'MatchBudgetExceeded';
    this.pattern = pattern;
  }
}

/** Steps charged per character of a pattern compiled under a budget (compiling costs ~100 match steps). */
const COMPILE_STEPS_PER_CHAR = 100;
const CACHE_SIZE = 512;
/** Longer patterns are compiled each time rather than kept (they are rare; the cache stays small). */
const CACHE_MAX_CHARS = 4096;
const cache = new Map<string, LinearRegExp>();
let budget: { total: number; left: number } | undefined;

function charge(steps: number, pattern: string): void {
  if (budget === undefined) return;
  budget.left -= steps;
  if (budget.left < 0) throw new MatchBudgetExceeded(pattern, budget.total);
}

function wrap(source: string, re: RE2JS): LinearRegExp {
  const size = re.programSize();
  return Object.freeze({
    source,
    size,
    test(input: string): boolean {
      charge(size * (input.length + 1), source);
      return re.test(input);
    },
    exec(input: string): (string | undefined)[] | null {
      charge(size * (input.length + 1), source);
      const m = re.exec(input) as (string | null | undefined)[] | null;
      return m === null ? null : Array.from(m, (g) => g ?? undefined);
    },
    toString: () => `/${source}/`,
  });
}

/** Compiles an RE2 pattern (cached); throws PatternSyntaxError when RE2 cannot compile it. */
export function compileLinear(pattern: string): LinearRegExp {
  charge(pattern.length * COMPILE_STEPS_PER_CHAR, pattern);
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new PatternSyntaxError(pattern, err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err));
  }
  const out = wrap(pattern, re);
  if (pattern.length > CACHE_MAX_CHARS) return out;
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(pattern, out);
  return out;
}

/**
 * ajv's `code.regExp` engine: every `pattern`, `patternProperties` key and `propertyNames` pattern is an
 * RE2 search. ajv passes the flag "u"; RE2 always matches by code point, so it needs no counterpart.
 */
export const ajvRegExpEngine = Object.assign(
  (pattern: string, flags: string): LinearRegExp => {
    if (!/^u?$/.test(flags)) throw new PatternSyntaxError(pattern, `flags "${flags}" are not supported`);
    return compileLinear(pattern);
  },
  { code: 'maglevLinearRegExp' },
);

/**
 * Runs `fn` with a budget of `steps` for every match and compile made through this module meanwhile
 * (synchronous code only); past it they throw MatchBudgetExceeded. Bounds the time, not just its growth.
 */
export function withMatchBudget<T>(steps: number, fn: () => T): T {
  const outer = budget;
  budget = { total: steps, left: steps };
  try {
    return fn();
  } finally {
    budget = outer;
  }
}
