import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { compileRange } from './semver.js';

describe('compileRange on hostile input', () => {
  it('refuses whitespace-separated near-ranges at once (backtracking took minutes at 61 characters)', () => {
    let err: unknown;
    try {
      compileRange(`${'1   '.repeat(100)}!`);
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.InvalidSpec)).toBe(true);
    expect((err as Error).message).toMatch(/^spec\.chart\.version: "1 {3}1 .*!" is not a valid SemVer range/);
  });

  it('still reads spaces and commas between comparators', () => {
    expect(compileRange('>=1.2.0   <2.0.0').test('1.5.0')).toBe(true);
    expect(compileRange('>=1.2.0 ,  <2.0.0').test('2.0.0')).toBe(false);
  });
});
