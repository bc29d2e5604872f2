import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import { decodeRelease, encodeRelease, recordJson } from './codec.js';
import { helmTime, parseHelmTime, ReleaseStatus } from './record.js';
import { helmWrittenSecrets, sampleRecord } from './testing/fixtures.js';

const testdata = new URL('./testdata/', import.meta.url);

/** The `release` value Helm's driver stored for revision `version` of `demo`. */
function helmRelease(version: number): string {
  const secret = helmWrittenSecrets().find((s) => s.labels.version === String(version));
  if (!secret) throw new Error(`fixture has no v${version}`);
  return secret.release;
}

describe('decoding records written by Helm v3.21.4', () => {
  it('reads every field of a real Helm record', () => {
    const rec = decodeRelease(helmRelease(3));
    expect(rec.name).toBe('demo');
    expect(rec.namespace).toBe('apps');
    expect(rec.version).toBe(3);
    expect(rec.info).toEqual({
      first_deployed: '2024-03-05T10:11:12.123456789+01:00',
      last_deployed: '2024-03-06T08:00:00.5Z',
      deleted: '',
      description: 'Upgrade complete',
      status: 'deployed',
      notes: 'Visit <http://demo.local> & enjoy\u2028',
    });
    expect(rec.config).toEqual({ image: { tag: '2.0' }, replicas: 3.5 });
    expect(rec.chart?.metadata?.dependencies?.[0]).toMatchObject({ name: 'db', repository: 'https://charts.example.com', enabled: true });
    expect(Buffer.from(rec.chart?.schema ?? '', 'base64').toString()).toBe('{"type":"object"}');
    expect(rec.chart?.files?.map((f) => f.name)).toEqual(['README.md', 'crds/widget.yaml']);
    expect(rec.hooks[0]).toMatchObject({ name: 'migrate', weight: -5, last_run: { phase: 'Succeeded' } });
    expect(rec.hooks[1]).toMatchObject({ name: 'smoke', weight: 0, delete_policies: [], last_run: { started_at: '', phase: '' } });
  });

  it('re-encodes a Helm record to the very bytes Helm marshalled', () => {
    const helmJson = readFileSync(new URL('helm-release-v3.json', testdata), 'utf8');
    expect(recordJson(decodeRelease(helmRelease(3)))).toBe(helmJson);
  });

  it('reads the superseded revision too', () => {
    expect(decodeRelease(helmRelease(2)).info.status).toBe(ReleaseStatus.Superseded);
  });
});

describe('encodeRelease / decodeRelease', () => {
  it('round-trips a record', () => {
    const rec = sampleRecord();
    expect(decodeRelease(encodeRelease(rec))).toEqual(rec);
  });

  it('writes base64 of gzip (magic 1f 8b 08) of the Go-style JSON', () => {
    const raw = Buffer.from(encodeRelease(sampleRecord()), 'base64');
    expect([...raw.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
  });

  it('sorts map keys and omits empty optional fields like Go', () => {
    const json = recordJson(sampleRecord({ config: {}, hooks: [] }));
    expect(json).toContain('"values":{"a":{"y":[1,2],"z":true},"b":1}');
    expect(json).not.toContain('"config"');
    expect(json).not.toContain('"hooks"');
    expect(json).toContain('"deleted":""');
    expect(json).toContain('"lock":null');
  });

  it('accepts data stored without gzip (pre-compression records)', () => {
    const plain = Buffer.from(recordJson(sampleRecord())).toString('base64');
    expect(decodeRelease(plain)).toEqual(sampleRecord());
  });

  it('accepts Helm 4 records that omit zero times', () => {
    const json = JSON.stringify({ name: 'x', version: 2, info: { status: 'failed' } });
    const rec = decodeRelease(gzipSync(json).toString('base64'));
    expect(rec.info).toMatchObject({ first_deployed: '', deleted: '', status: 'failed' });
    expect(rec.chart).toBeNull();
    expect(rec.hooks).toEqual([]);
  });

  it.each([
    ['not base64', '!!!', /not standard base64/],
    ['bad gzip', Buffer.from([0x1f, 0x8b, 0x08, 1, 2, 3]).toString('base64'), /not valid gzip/],
    ['not JSON', Buffer.from('nope').toString('base64'), /not JSON/],
    ['no name', Buffer.from('{"version":1}').toString('base64'), /name must be a non-empty string/],
    ['bad version', Buffer.from('{"name":"a","version":"1"}').toString('base64'), /version must be an integer/],
    ['bad hook', Buffer.from('{"name":"a","version":1,"hooks":[{"events":"x"}]}').toString('base64'), /hooks\[0\]\.events must be a list/],
  ])('rejects %s with ReleaseInvalid', (_label, data, message) => {
    let caught: unknown;
    try {
      decodeRelease(data, 'Secret apps/sh.helm.release.v1.a.v1');
    } catch (err) {
      caught = err;
    }
    expect(isMaglevError(caught, 'ReleaseInvalid')).toBe(true);
    expect(String((caught as Error).message)).toMatch(message);
    expect((caught as Error).message).toMatch(/^Secret apps\/sh\.helm\.release\.v1\.a\.v1: /);
  });

  it('reads an unknown status as unknown', () => {
    const rec = decodeRelease(Buffer.from('{"name":"a","version":1,"info":{"status":"exploded"}}').toString('base64'));
    expect(rec.info.status).toBe(ReleaseStatus.Unknown);
  });
});

describe('helmTime', () => {
  it.each([
    [Date.UTC(2025, 0, 2, 3, 4, 5, 678), '2025-01-02T03:04:05.678Z'],
    [Date.UTC(2025, 0, 2, 3, 4, 5, 500), '2025-01-02T03:04:05.5Z'],
    [Date.UTC(2025, 0, 2, 3, 4, 5, 0), '2025-01-02T03:04:05Z'],
  ])('%d → %s (Go RFC3339Nano)', (ms, text) => {
    expect(helmTime(ms)).toBe(text);
    expect(parseHelmTime(text)).toBe(ms);
  });

  it('reads "" as never and nanosecond times with offsets', () => {
    expect(parseHelmTime('')).toBeUndefined();
    expect(parseHelmTime('2024-03-05T10:11:12.123456789+01:00')).toBe(Date.UTC(2024, 2, 5, 9, 11, 12, 123));
  });
});
