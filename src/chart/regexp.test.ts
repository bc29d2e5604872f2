import { describe, expect, it } from 'vitest';
import { ajvRegExpEngine, compileLinear, MatchBudgetExceeded, PatternSyntaxError, withMatchBudget } from './regexp.js';

describe('compileLinear', () => {
  it('searches like RegExp.prototype.test and answers a catastrophic pattern at once', () => {
    const re = compileLinear('^(a+)+$');
    expect(re.test(`${'a'.repeat(30)}!`)).toBe(false);
    expect(re.test('a'.repeat(30))).toBe(true);
    expect(compileLinear('b+').test('abbc')).toBe(true);
  });

  it('execs with groups as RegExp does (unmatched groups undefined)', () => {
    expect(compileLinear('(x)?(\\d+)').exec('ab12')).toEqual(['12', undefined, '12']);
    expect(compileLinear('z').exec('ab')).toBeNull();
  });

  it('names itself by its source, so ajv keeps distinct patterns apart', () => {
    expect(String(compileLinear('a|b'))).toBe('/a|b/');
    expect(String(compileLinear('a'))).not.toBe(String(compileLinear('b')));
  });

  it('refuses what RE2 cannot run, with the reason RE2 gives', () => {
    expect(() => compileLinear('(a)\\1')).toThrow(PatternSyntaxError);
    expect(() => compileLinear('(?!a)')).toThrow(/not an RE2 regular expression \(invalid or unsupported Perl syntax: `\(\?!`\)/);
    expect(() => ajvRegExpEngine('a', 'ug')).toThrow(/flags "ug" are not supported/);
    expect(ajvRegExpEngine('a', 'u').test('a')).toBe(true);
  });
});

describe('withMatchBudget', () => {
  it('charges pattern size × (length + 1) per match and compile costs, and throws past the budget', () => {
    const re = compileLinear('^[a-z]+$');
    const cost = re.size * 101;
    expect(withMatchBudget(cost, () => re.test('a'.repeat(100)))).toBe(true);
    expect(() => withMatchBudget(cost, () => [re.test('a'.repeat(100)), re.test('a')])).toThrow(MatchBudgetExceeded);
    expect(() => withMatchBudget(99, () => compileLinear('x'))).toThrow(MatchBudgetExceeded);
  });

  it('applies only inside the call', () => {
    expect(() => withMatchBudget(1, () => undefined)).not.toThrow();
    expect(compileLinear('a').test('a'.repeat(1_000_000))).toBe(true);
  });
});
