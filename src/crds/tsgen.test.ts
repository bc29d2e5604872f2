import { describe, expect, it } from 'vitest';
import type { KindDefinition } from './crd.js';
import { obj, oneOf, str } from './schema.js';
import { enumKey, generateTypes } from './tsgen.js';

const kind = (spec = obj('TSpec', 'spec', {})): KindDefinition => ({
  kind: 'T',
  plural: 'ts',
  singular: 't',
  shortNames: [],
  categories: [],
  description: 'A test kind.',
  spec,
  status: obj('TStatus', 'status', {}),
  printerColumns: [],
});

describe('generateTypes', () => {
  it('emits interfaces, optional fields, named enums and doc comments', () => {
    const spec = obj(
      'TSpec',
      'The spec.',
      { mode: oneOf('The mode.', ['fast', 'slow-start'], { typeName: 'Mode' }), name: str('The name.') },
      { required: ['name'] },
    );
    const out = generateTypes([kind(spec)]);
    expect(out).toContain('/** The spec. */\nexport interface TSpec {\n  /** The mode. */\n  mode?: Mode;\n  /** The name. */\n  name: string;\n}');
    expect(out).toContain("export const Mode = {\n  Fast: 'fast',\n  SlowStart: 'slow-start',\n} as const;");
    expect(out).toContain('export type Mode = (typeof Mode)[keyof typeof Mode];');
  });

  it('rejects one typeName used for two shapes', () => {
    const spec = obj('TSpec', 'spec', { a: obj('Same', 'x', { p: str('p') }), b: obj('Same', 'x', { q: str('q') }) });
    expect(() => generateTypes([kind(spec)])).toThrow('typeName Same is used for two different schemas');
  });

  it('rejects an object with properties but no typeName', () => {
    const spec = obj('TSpec', 'spec', { a: { type: 'object', description: 'anonymous', properties: { p: str('p') } } });
    expect(() => generateTypes([kind(spec)])).toThrow('object schema at TSpec.a has properties but no typeName');
  });
});

describe('enumKey', () => {
  it.each([
    ['rollback', 'Rollback'],
    ['pending-install', 'PendingInstall'],
    ['CreateReplace', 'CreateReplace'],
    ['True', 'True'],
  ])('%s → %s', (value, key) => {
    expect(enumKey(value)).toBe(key);
  });
});
