import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { parseYamlAllSafe, parseYamlSafe } from './yaml.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('parseYamlSafe: scalars as Helm (go-yaml v2, YAML 1.1) reads them', () => {
  it.each<[string, unknown]>([
    ['yes', true], ['No', false], ['on', true], ['OFF', false], ['y', true], ['n', false], ['true', true],
    ['"yes"', 'yes'], ['0755', 493], ['0o17', 15], ['0x1F', 31], ['-0b101', -5], ['1_000', 1000], ['+12', 12],
    ['08', 8], ['1e3', 1000], ['.5', 0.5], ['1.', 1], ['.inf', Infinity], ['~', null], ['', null], ['Null', null],
    ['2001-12-14', '2001-12-14'], ['2001-12-14T21:59:43Z', '2001-12-14T21:59:43Z'], ['1.2.3', '1.2.3'], ['0x', '0x'],
  ])('%s', (text, want) => {
    expect((parseYamlSafe(`v: ${text}\n`, 'x.yaml') as { v: unknown }).v).toEqual(want);
  });

  it('turns boolean-looking keys into "true"/"false" like sigs.k8s.io/yaml', () => {
    expect(parseYamlSafe('on: push\ny: 1\nplain: 2\n', 'x.yaml')).toEqual({ true: 1, plain: 2 });
  });

  it('lets a later duplicate key win and applies << merge keys', () => {
    expect(parseYamlSafe('a: 1\na: 2\nbase: &b {p: 1, q: 2}\nderived:\n  <<: *b\n  q: 3\n', 'x.yaml')).toEqual({ a: 2, base: { p: 1, q: 2 }, derived: { p: 1, q: 3 } });
  });

  it('returns copies: aliases are not shared between places', () => {
    const v = parseYamlSafe('a: &x {k: 1}\nb: *x\n', 'x.yaml') as { a: object; b: object };
    expect(v.a).toEqual(v.b);
    expect(v.a).not.toBe(v.b);
  });

  it('keeps __proto__ and constructor as plain keys, through << merges too', () => {
    const v = parseYamlSafe('__proto__: {polluted: 1}\nconstructor: {prototype: {p: 1}}\nm:\n  <<: {__proto__: {x: 1}}\n', 'x.yaml') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor', 'm']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(v.m)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the file and line of a syntax error', () => {
    const err = thrown(() => parseYamlSafe('a: 1\nb: x: y\nc: 3\n', 'values.yaml'));
    expect(isMaglevError(err, ErrorCode.ValuesInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/^values.yaml:2: invalid YAML: bad indentation/);
  });

  it('shares the node budget across documents and returns each document', () => {
    expect(parseYamlAllSafe('a: 1\n---\nb: 2\n---\n', 'm.yaml')).toEqual([{ a: 1 }, { b: 2 }, null]);
    expect((thrown(() => parseYamlAllSafe('a: [1,2,3]\n---\nb: [4,5]\n', 'm.yaml', { maxNodes: 6 })) as Error).message).toMatch(/more than 6 nodes/);
  });

  it('uses the code it is given', () => {
    expect(isMaglevError(thrown(() => parseYamlSafe('[', 'c', { code: ErrorCode.ChartInvalid })), ErrorCode.ChartInvalid)).toBe(true);
  });
});
