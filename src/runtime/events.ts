/**
 * Records events.k8s.io/v1 Events about objects. Repeats of the same event (same object, type, reason,
 * action and note) within `seriesWindowMs` (10 min) of the first one are folded into it: its
 * `series.count` and `series.lastObservedTime` are merge-patched instead of a new Event being created.
 * Recording never fails the caller: errors are logged and dropped.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { isNotFound } from './api-error.js';
import { ContentType } from './apply.js';
import type { ApiClient } from './client.js';
import { microTime, realClock, type Clock } from './clock.js';
import type { ObjectRef } from './object.js';

/** The reporting controller written on every event. */
export const REPORTING_CONTROLLER = 'maglev.io/operator';
/** Longest note the API accepts, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1024;

/** What happened. `action` says what the operator did (Install, Upgrade, …), `reason` why. */
export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** Options for {@link EventRecorder}. */
export interface EventRecorderOptions {
  client: ApiClient;
  /** Usually the pod name. */
  reportingInstance: string;
  logger: Logger;
  clock?: Clock;
  seriesWindowMs?: number;
  /** Most distinct events remembered for aggregation (default 1000; oldest forgotten first). */
  maxTracked?: number;
}

interface Series {
  namespace: string;
  name: string;
  count: number;
  createdAt: number;
}

/** See the module comment. */
export class EventRecorder {
  private readonly clock: Clock;
  private readonly window: number;
  private readonly maxTracked: number;
  private readonly series = new Map<string, Series>();
  /** Per-event-key chain, so concurrent repeats are applied one after another. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly opts: EventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
    this.window = opts.seriesWindowMs ?? 10 * 60_000;
    this.maxTracked = opts.maxTracked ?? 1000;
  }

  /** Records `event` about `regarding` (use `refOf(obj)`). Resolves when sent or given up; never rejects. */
  record(regarding: ObjectRef, event: EventInput): Promise<void> {
    const note = truncateUtf8(event.note, MAX_NOTE_BYTES);
    const key = JSON.stringify([regarding.apiVersion, regarding.kind, regarding.namespace, regarding.name, regarding.uid, event.type, event.reason, event.action, note]);
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.send(key, regarding, { ...event, note }));
    this.pending.set(key, next);
    void next.then(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
    return next;
  }

  private async send(key: string, regarding: ObjectRef, event: EventInput): Promise<void> {
    const now = this.clock.now();
    const series = this.series.get(key);
    try {
      if (series && now - series.createdAt < this.window) {
        try {
          await this.bump(series, now);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      this.series.delete(key);
      const created = await this.create(regarding, event, now);
      this.remember(key, created);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), reason: event.reason, object: `${regarding.kind} ${regarding.namespace}/${regarding.name}` }, 'could not record event');
    }
  }

  private async create(regarding: ObjectRef, event: EventInput, now: number): Promise<Series> {
    const namespace = regarding.namespace === '' ? 'default' : regarding.namespace;
    const name = `${regarding.name.slice(0, 200)}.${now.toString(16)}${randomBytes(3).toString('hex')}`;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.opts.reportingInstance,
      type: event.type,
      reason: event.reason,
      action: event.action,
      note: event.note,
      regarding: regardingRef(regarding),
    };
    await this.opts.client.request({ method: 'POST', path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, body });
    return { namespace, name, count: 1, createdAt: now };
  }

  private async bump(series: Series, now: number): Promise<void> {
    const count = series.count + 1;
    await this.opts.client.request({
      method: 'PATCH',
      path: `/apis/events.k8s.io/v1/namespaces/${series.namespace}/events/${series.name}`,
      body: { series: { count, lastObservedTime: microTime(now) } },
      contentType: ContentType.MergePatch,
    });
    series.count = count;
  }

  private remember(key: string, series: Series): void {
    this.series.set(key, series);
    if (this.series.size <= this.maxTracked) return;
    // Map order is insertion order: forget the oldest series first.
    for (const k of this.series.keys()) {
      if (this.series.size <= this.maxTracked) break;
      if (k !== key) this.series.delete(k);
    }
  }
}

/** `s` cut to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

function regardingRef(ref: ObjectRef): Record<string, string> {
  const out: Record<string, string> = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace !== '') out.namespace = ref.namespace;
  if (ref.uid !== undefined) out.uid = ref.uid;
  if (ref.resourceVersion !== undefined) out.resourceVersion = ref.resourceVersion;
  return out;
}
