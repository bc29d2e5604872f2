import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { checkSchemaSafety, DEFAULT_SCHEMA_LIMITS, validateAgainstSchema, validateValues } from './schema.js';
import { mkChart } from './testdata/charts.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('validateAgainstSchema', () => {
  it('lists every violation with its path', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['image'],
      properties: {
        replicas: { type: 'integer', minimum: 1 },
        mode: { enum: ['a', 'b'] },
        ports: { type: 'array', items: { type: 'integer' } },
        image: { type: 'object', properties: { tag: { type: 'string', pattern: '^v' } } },
        email: { type: 'string', format: 'email' },
      },
    };
    const v = validateAgainstSchema(schema, { replicas: 0, mode: 'c', ports: [80, 'x'], extra: 1, email: 'nope' }, 'app', 'app/values.schema.json');
    expect(v.map((x) => `${x.path}: ${x.message}`).sort()).toEqual([
      '(root): must NOT have additional properties: "extra"',
      "(root): must have required property 'image'",
      'email: must match format "email"',
      'mode: must be equal to one of the allowed values: ["a","b"]',
      'ports.1: must be integer',
      'replicas: must be >= 1',
    ]);
    expect(validateAgainstSchema(schema, { image: { tag: 'v1' } }, 'app', 'x')).toEqual([]);
  });

  it('picks the draft from $schema (2020-12 prefixItems, 2019-09, draft-04 booleans)', () => {
    const s2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { t: { prefixItems: [{ type: 'string' }] } } };
    expect(validateAgainstSchema(s2020, { t: [1] }, 'c', 'x')).toHaveLength(1);
    const s2019 = { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', dependentRequired: { a: ['b'] } };
    expect(validateAgainstSchema(s2019, { a: 1 }, 'c', 'x')).toHaveLength(1);
    const s04 = { $schema: 'http://json-schema.org/draft-04/schema#', properties: { n: { type: 'number', maximum: 5, exclusiveMaximum: true } } };
    expect(validateAgainstSchema(s04, { n: 5 }, 'c', 'x')).toHaveLength(1);
  });

  it('validates a subchart against its own subtree, global included', () => {
    const sub = mkChart('sub', { schema: { type: 'object', additionalProperties: false, properties: { global: {}, x: { type: 'string' } } } });
    const top = mkChart('top', { deps: [sub] });
    expect(validateValues(top, { sub: { x: 1, global: {} } })).toEqual([{ chart: 'top.sub', path: 'x', message: 'must be string' }]);
  });
});

describe('checkSchemaSafety', () => {
  it.each([
    ['a file $ref', { properties: { a: { $ref: 'file:///etc/passwd' } } }, /only local references/],
    ['a URL $ref', { $ref: 'https://evil.example/schema.json' }, /only local references/],
    ['a relative file $ref', { items: { $ref: 'other.json#/x' } }, /only local references/],
    ['a $dynamicRef to a URL', { $dynamicRef: 'http://x/y' }, /only local references/],
    ['$data', { properties: { a: { maximum: { $data: '1/b' } } } }, /"\$data" at \/properties\/a\/maximum\/\$data/],
    ['a schema that is not an object', 'hello', /must be a JSON object/],
  ])('refuses %s with SchemaInvalid', (_what, schema, text) => {
    const err = thrown(() => checkSchemaSafety(schema, 'c/values.schema.json'));
    expect(isMaglevError(err, ErrorCode.SchemaInvalid)).toBe(true);
    expect((err as Error).message).toMatch(text);
  });

  it('refuses nesting deeper than 50 and more than 1 MiB', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 30; i++) deep = { properties: { a: deep } };
    expect((thrown(() => checkSchemaSafety(deep, 'x')) as Error).message).toMatch(/nesting deeper than 50/);
    const big = { description: 'x'.repeat(1024 * 1024) };
    expect((thrown(() => checkSchemaSafety(big, 'x')) as Error).message).toMatch(/over the cap of 1048576 bytes/);
  });

  it('accepts local refs and properties that are merely named $ref or $data', () => {
    const schema = { $defs: { port: { type: 'integer' } }, properties: { $ref: { type: 'string' }, $data: { type: 'string' }, p: { $ref: '#/$defs/port' } } };
    expect(() => checkSchemaSafety(schema, 'x')).not.toThrow();
    expect(validateAgainstSchema(schema, { p: 'x', $ref: 'ok' }, 'c', 'x')).toEqual([{ chart: 'c', path: 'p', message: 'must be integer' }]);
  });

  it('reports a schema that does not compile as SchemaInvalid', () => {
    const err = thrown(() => validateAgainstSchema({ type: 'no-such-type' }, {}, 'c', 'c/values.schema.json'));
    expect(isMaglevError(err, ErrorCode.SchemaInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/c\/values.schema.json: schema does not compile/);
  });
});

describe('schema patterns (RE2, linear time, as helm)', () => {
  const hostile = { properties: { name: { type: 'string', pattern: '^(a+)+$' } } };

  it('checks a catastrophic-backtracking pattern without backtracking: the value fails it, naming the property', () => {
    expect(validateAgainstSchema(hostile, { name: `${'a'.repeat(30)}!` }, 'app', 'app/values.schema.json')).toEqual([
      { chart: 'app', path: 'name', message: 'must match pattern "^(a+)+$"' },
    ]);
    expect(validateAgainstSchema(hostile, { name: 'a'.repeat(100_000) }, 'app', 'x')).toEqual([]);
  });

  it('runs patternProperties and propertyNames patterns through the same engine', () => {
    const schema = {
      type: 'object',
      properties: { aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_: { type: 'string' } },
      patternProperties: { '^(a+)+$': { type: 'integer' } },
      propertyNames: { pattern: '^(a|aa)+_?$' },
    };
    const values = { aaaa: 'x', [`${'a'.repeat(30)}!`]: 1, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_: 's' };
    expect(validateAgainstSchema(schema, values, 'c', 'x').map((v) => `${v.path}: ${v.message}`)).toEqual([
      `(root): property name "${'a'.repeat(30)}!": must match pattern "^(a|aa)+_?$"`,
      `(root): property name "${'a'.repeat(30)}!" is invalid`,
      'aaaa: must be integer',
    ]);
  });

  it.each([
    ['anchors', '^v[0-9]+$', ['v12'], ['xv12', 'v12x', 'v']],
    ['unanchored search', 'b', ['abc'], ['xyz']],
    ['character classes and \\d', '^[a-z][-a-z0-9]*-\\d{2}$', ['web-01'], ['Web-01', 'web-1']],
    ['unicode letters and code points', '^\\p{L}+ .$', ['héllo 😀', 'ÄÖ x'], ['h3llo x', 'héllo 😀😀']],
    ['RE2-only syntax helm accepts', '(?i)^[[:alpha:]]+\\z', ['ABCdef'], ['abc1']],
    ['\\s is ASCII whitespace (Go)', '^a\\sb$', ['a b', 'a\tb'], ['a\u00a0b']],
  ])('keeps %s', (_what, pattern, good, bad) => {
    const schema = { properties: { s: { type: 'string', pattern } } };
    for (const s of good) expect(validateAgainstSchema(schema, { s }, 'c', 'x'), s).toEqual([]);
    for (const s of bad) expect(validateAgainstSchema(schema, { s }, 'c', 'x'), s).toHaveLength(1);
  });

  it.each([
    ['a backreference', { properties: { a: { type: 'string', pattern: '^(a)\\1$' } } }, /"pattern" at \/properties\/a\/pattern: "\^\(a\)\\\\1\$" is not an RE2 regular expression \(invalid escape sequence: `\\1`\)/],
    ['a lookahead', { items: { pattern: '(?=x)' } }, /"pattern" at \/items\/pattern: .*unsupported Perl syntax/],
    ['a lookbehind in patternProperties', { patternProperties: { '(?<=a)b': {} } }, /"patternProperties" at \/patternProperties\/\(\?<=a\)b: /],
    ['a propertyNames pattern', { propertyNames: { pattern: '\\k<x>' } }, /"pattern" at \/propertyNames\/pattern: /],
  ])('refuses %s with SchemaInvalid naming the keyword and the schema path', (_what, schema, text) => {
    const err = thrown(() => validateAgainstSchema(schema, {}, 'c', 'c/values.schema.json'));
    expect(isMaglevError(err, ErrorCode.SchemaInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/^c\/values.schema.json: schema refused: /);
    expect((err as Error).message).toMatch(text);
  });

  it('does not compile patterns written as data (enum, default, examples)', () => {
    const schema = { properties: { p: { type: 'object', default: { pattern: '(a)\\1' }, examples: [{ patternProperties: { '(?=a)': 1 } }] } } };
    expect(validateAgainstSchema(schema, { p: { pattern: '(a)\\1' } }, 'c', 'x')).toEqual([]);
  });

  it('checks the regex format with RE2, as helm', () => {
    const schema = { properties: { r: { type: 'string', format: 'regex' } } };
    expect(validateAgainstSchema(schema, { r: '(?i)^\\pL+$' }, 'c', 'x')).toEqual([]);
    expect(validateAgainstSchema(schema, { r: '(a)\\1' }, 'c', 'x')).toEqual([{ chart: 'c', path: 'r', message: 'must match format "regex"' }]);
  });

  it('caps the pattern text of a schema and the matching work of one validation', () => {
    const limits = { ...DEFAULT_SCHEMA_LIMITS, maxPatternChars: 10, maxMatchSteps: 10_000 };
    const long = { properties: { a: { pattern: 'abcdef' }, b: { pattern: 'ghijkl' } } };
    const refused = thrown(() => validateAgainstSchema(long, {}, 'c', 'c/values.schema.json', limits));
    expect(isMaglevError(refused, ErrorCode.SchemaInvalid)).toBe(true);
    expect((refused as Error).message).toMatch(/over the cap of 10 characters in total \(reached at \/properties\/b\/pattern\)/);
    const schema = { properties: { s: { type: 'string', pattern: '^[a-z]+$' } } };
    expect(validateAgainstSchema(schema, { s: 'a'.repeat(100) }, 'c', 'x', limits)).toEqual([]);
    const over = thrown(() => validateAgainstSchema(schema, { s: 'a'.repeat(10_000) }, 'c', 'c/values.schema.json', limits));
    expect(isMaglevError(over, ErrorCode.ValuesInvalid)).toBe(true);
    expect((over as Error).message).toMatch(/c\/values.schema.json: checking the values of c: matching pattern "\^\[a-z\]\+\$" exceeded the budget of 10000 steps/);
  });
});
