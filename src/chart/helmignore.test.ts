import { describe, expect, it } from 'vitest';
import { HelmIgnore } from './helmignore.js';

describe('HelmIgnore', () => {
  it.each([
    ['*.bak', 'x.bak', false, true],
    ['*.bak', 'dir/x.bak', false, true],
    ['*.bak', 'x.bakk', false, false],
    ['secret/', 'secret', true, true],
    ['secret/', 'secret', false, false],
    ['/docs/*.md', 'docs/a.md', false, true],
    ['/docs/*.md', 'docs/sub/a.md', false, false],
    ['[a-c]?.txt', 'b1.txt', false, true],
    ['[a-c]?.txt', 'd1.txt', false, false],
    ['[^a]x', 'bx', false, true],
    ['[^a]x', 'ax', false, false],
    ['a/[^b]', 'a/c', false, true],
    ['\\*.txt', '*.txt', false, true],
    ['\\*.txt', 'a.txt', false, false],
    ['*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(60), false, false],
    ['*a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(60)}b`, false, true],
  ])('rule %j on %j (dir %s) ignores: %s', (rule, path, isDir, ignored) => {
    expect(new HelmIgnore(rule).ignores(path, isDir)).toBe(ignored);
  });

  it('always ignores hidden files in templates/', () => {
    expect(new HelmIgnore('').ignores('templates/.x.yaml', false)).toBe(true);
  });
});
