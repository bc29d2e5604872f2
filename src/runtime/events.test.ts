import { describe, expect, it } from 'vitest';
import { ApiStatusError } from './api-error.js';
import type { ApiClient, ApiRequest } from './client.js';
import { microTime } from './clock.js';
import { EventRecorder, truncateUtf8 } from './events.js';
import type { ObjectRef } from './object.js';
import { FakeClock } from './testing/fake-clock.js';
import { memoryLogger } from './testing/logger.js';

/** Records requests; `fail` decides per request whether to reject (and with what). */
function recordingClient(fail: (req: ApiRequest) => Error | undefined = () => undefined): { client: ApiClient; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const client: ApiClient = {
    request(req) {
      requests.push(req);
      const err = fail(req);
      return err ? Promise.reject(err) : Promise.resolve(req.body);
    },
  };
  return { client, requests };
}

const hr: ObjectRef = { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', namespace: 'team-a', name: 'web', uid: 'u-1' };
const failed = { type: 'Warning', reason: 'InstallFailed', action: 'Install', note: 'chart not found' } as const;

function setup(fail?: (req: ApiRequest) => Error | undefined) {
  const { client, requests } = recordingClient(fail);
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const { logger, lines } = memoryLogger();
  const recorder = new EventRecorder({ client, reportingInstance: 'maglev-7f9c-abc', logger, clock });
  return { recorder, requests, clock, lines };
}

describe('EventRecorder', () => {
  it('creates an events.k8s.io/v1 Event about the object', async () => {
    const { recorder, requests } = setup();
    await recorder.record(hr, failed);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.path).toBe('/apis/events.k8s.io/v1/namespaces/team-a/events');
    expect(requests[0]?.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'team-a', name: expect.stringMatching(/^web\.[0-9a-f]+$/) as unknown },
      eventTime: '2025-01-01T00:00:00.000000Z',
      reportingController: 'maglev.io/operator',
      reportingInstance: 'maglev-7f9c-abc',
      type: 'Warning',
      reason: 'InstallFailed',
      action: 'Install',
      note: 'chart not found',
      regarding: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', namespace: 'team-a', name: 'web', uid: 'u-1' },
    });
  });

  it('folds repeats within 10 minutes into a series, then starts a new event', async () => {
    const { recorder, requests, clock } = setup();
    await recorder.record(hr, failed);
    clock.advance(60_000);
    await recorder.record(hr, failed);
    clock.advance(60_000);
    await recorder.record(hr, failed);
    const name = (requests[0]?.body as { metadata: { name: string } }).metadata.name;
    expect(requests.slice(1).map((r) => [r.method, r.path, r.contentType, r.body])).toEqual([
      ['PATCH', `/apis/events.k8s.io/v1/namespaces/team-a/events/${name}`, 'application/merge-patch+json', { series: { count: 2, lastObservedTime: '2025-01-01T00:01:00.000000Z' } }],
      ['PATCH', `/apis/events.k8s.io/v1/namespaces/team-a/events/${name}`, 'application/merge-patch+json', { series: { count: 3, lastObservedTime: '2025-01-01T00:02:00.000000Z' } }],
    ]);
    clock.advance(10 * 60_000);
    await recorder.record(hr, failed);
    expect(requests.at(-1)?.method).toBe('POST');
  });

  it('keeps different notes apart', async () => {
    const { recorder, requests } = setup();
    await recorder.record(hr, failed);
    await recorder.record(hr, { ...failed, note: 'another problem' });
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('creates a new event when the series event was deleted', async () => {
    const { recorder, requests } = setup((req) => (req.method === 'PATCH' ? new ApiStatusError('PATCH', 404, undefined) : undefined));
    await recorder.record(hr, failed);
    await recorder.record(hr, failed);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'POST']);
  });

  it('only logs when the API rejects the event', async () => {
    const { recorder, lines } = setup(() => new ApiStatusError('POST', 403, { reason: 'Forbidden', message: 'no' }));
    await expect(recorder.record(hr, failed)).resolves.toBeUndefined();
    expect(lines.some((l) => l.msg === 'could not record event')).toBe(true);
  });

  it('serialises concurrent repeats so they form one series', async () => {
    const { recorder, requests } = setup();
    await Promise.all([recorder.record(hr, failed), recorder.record(hr, failed), recorder.record(hr, failed)]);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH']);
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const { recorder, requests } = setup();
    await recorder.record({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'team-a' }, failed);
    expect(requests[0]?.path).toBe('/apis/events.k8s.io/v1/namespaces/default/events');
  });
});

describe('truncateUtf8 / microTime', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdef', 3, 'abc'],
    ['ééé', 5, 'éé'],
    ['a😀b', 4, 'a'],
    ['a😀b', 5, 'a😀'],
  ])('truncateUtf8(%s, %i) = %s', (s, n, expected) => {
    expect(truncateUtf8(s, n)).toBe(expected);
  });

  it('truncates a long note to 1024 bytes', async () => {
    const { recorder, requests } = setup();
    await recorder.record(hr, { ...failed, note: 'ü'.repeat(1000) });
    const note = (requests[0]?.body as { note: string }).note;
    expect(Buffer.byteLength(note)).toBe(1024);
  });

  it('formats microseconds', () => {
    expect(microTime(Date.UTC(2025, 5, 1, 12, 0, 0, 123))).toBe('2025-06-01T12:00:00.123000Z');
  });
});
