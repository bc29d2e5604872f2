/**
 * Small readers for the loosely typed `spec`/`status` of Kubernetes objects, shared by the readiness
 * rules. Each returns undefined when the path is missing or holds a value of another type.
 */
import { isRecord, type KubeObject } from '../runtime/object.js';

/** kstatus' statuses (sigs.k8s.io/cli-utils pkg/kstatus), without Unknown. */
export const ReadyStatus = {
  Current: 'Current',
  InProgress: 'InProgress',
  Failed: 'Failed',
  NotFound: 'NotFound',
  Terminating: 'Terminating',
} as const;

/** One of {@link ReadyStatus}. */
export type ReadyStatus = (typeof ReadyStatus)[keyof typeof ReadyStatus];

/** The computed status of one object, with a message saying why. */
export interface ObjectStatus {
  status: ReadyStatus;
  message: string;
}

/** A status condition as the readiness rules read it. */
export interface StatusCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The value at `path` under `obj`, if every step is an object. */
export function at(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The number at `path`, or undefined. */
export function num(obj: unknown, ...path: string[]): number | undefined {
  const v = at(obj, ...path);
  return typeof v === 'number' ? v : undefined;
}

/** The string at `path`, or undefined. */
export function str(obj: unknown, ...path: string[]): string | undefined {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : undefined;
}

/** `status.conditions` of an object, dropping malformed entries. */
export function conditionsOf(obj: KubeObject): StatusCondition[] {
  const list = at(obj, 'status', 'conditions');
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((c) => ({
    type: typeof c.type === 'string' ? c.type : '',
    status: typeof c.status === 'string' ? c.status : '',
    reason: typeof c.reason === 'string' ? c.reason : '',
    message: typeof c.message === 'string' ? c.message : '',
  }));
}

/** The condition of `type`, if present. */
export function conditionOf(obj: KubeObject, type: string): StatusCondition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** Shorthands for results. */
export const current = (message: string): ObjectStatus => ({ status: ReadyStatus.Current, message });
/** See {@link current}. */
export const inProgress = (message: string): ObjectStatus => ({ status: ReadyStatus.InProgress, message });
/** See {@link current}. */
export const failed = (message: string): ObjectStatus => ({ status: ReadyStatus.Failed, message });

/** `reason: message` of a condition, or whichever part is set. */
export function describeCondition(c: StatusCondition): string {
  return [c.reason, c.message].filter((s) => s !== '').join(': ');
}
