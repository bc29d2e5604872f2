import { describe, expect, it } from 'vitest';
import { age, clip, shortId, table } from './table.js';

describe('table', () => {
  it('pads each column to its widest cell plus three spaces, the last one not at all', () => {
    expect(table(['NAME', 'READY', 'AGE'], [['web', 'True', '5m'], ['database', 'False', '12s']])).toBe(
      'NAME       READY   AGE\nweb        True    5m\ndatabase   False   12s\n',
    );
  });

  it('prints the header alone for no rows', () => {
    expect(table(['NAME', 'READY'], [])).toBe('NAME   READY\n');
  });
});

describe('age (kubectl HumanDuration)', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');
  const ago = (s: number): string => new Date(now - s * 1000).toISOString();
  it.each([
    [0, '0s'],
    [59, '59s'],
    [119, '119s'],
    [120, '2m'],
    [200, '3m20s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 10 * 60, '5h10m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [2 * 86400, '2d'],
    [30 * 86400, '30d'],
    [(2 * 365 + 10) * 86400, '2y10d'],
    [9 * 365 * 86400, '9y'],
  ])('%i s ago is %s', (seconds, shown) => {
    expect(age(ago(seconds), now)).toBe(shown);
  });

  it('says <unknown> without a time and <invalid> for one in the future', () => {
    expect(age(undefined, now)).toBe('<unknown>');
    expect(age(ago(-10), now)).toBe('<invalid>');
  });
});

describe('shortId and clip', () => {
  it('shortens a sha256 plan id to 12 hex digits and shows - without one', () => {
    expect(shortId(`sha256:${'0123456789abcdef'.repeat(4)}`)).toBe('0123456789ab');
    expect(shortId(undefined)).toBe('-');
    expect(shortId('')).toBe('-');
  });

  it('cuts long text with ... and joins lines', () => {
    expect(clip('a\n  b', 10)).toBe('a b');
    expect(clip('abcdefghijkl', 8)).toBe('abcde...');
  });
});
