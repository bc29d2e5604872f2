/**
 * `maglev reconcile release|distro NAME [--force] [--wait] [--timeout D]`: asks the operator to reconcile now
 * by setting the `maglev.io/reconcile-requested-at` annotation to a new token (and `maglev.io/force-at` to
 * the same token with --force: one upgrade of a release even when in sync, one more try of a failed distro
 * plan). With --wait it reads the object every second, printing each change of its conditions, until the
 * operator has handled the token (status.lastHandledReconcileAt, and lastHandledForceAt for a forced release)
 * at the current generation and Ready is True (exit 0), or the object failed: Stalled, or Ready=False with a
 * failure reason (exit 1); the timeout also exits 1.
 */
import { TriggerAnnotation } from '../constants.js';
import { parseDuration } from '../crds/duration.js';
import type { Condition, HelmRelease } from '../crds/index.js';
import { errorMessage } from '../errors.js';
import { Reason } from '../release/index.js';
import { describeTarget, kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, patchObject, readObject, runCommand, Target, UsageError, type CliIO, type Managed, type Session } from './kube.js';
import { conditionOf } from './table.js';

const usage = `Usage: maglev reconcile release|distro NAME [--force] [--wait] [--timeout D] [-n NS]

Sets ${TriggerAnnotation.ReconcileRequestedAt} (and ${TriggerAnnotation.ForceAt} with --force) to a new token.
      --force                one upgrade of a release even when in sync or out of retries; one more try of a
                             failed or rolled-back distro plan
      --wait                 follow the object until Ready=True at this request (exit 0) or a failure (exit 1)
      --timeout D            how long --wait waits (Go duration, default 5m)
${kubeUsage}`;

/** The merge patch that requests a reconcile with `token`, and a forced one with `force`. */
export function reconcilePatch(token: string, force: boolean): { metadata: { annotations: Record<string, string> } } {
  const annotations: Record<string, string> = { [TriggerAnnotation.ReconcileRequestedAt]: token };
  if (force) annotations[TriggerAnnotation.ForceAt] = token;
  return { metadata: { annotations } };
}

/** Ready=False reasons that mean "still on the way", not a failure. */
const WAITING_REASONS: ReadonlySet<string> = new Set([Reason.Progressing, Reason.DependencyNotReady]);

/** What one read of the object says about a request: keep waiting, Ready, or failed (with why). */
export type Progress = { state: 'waiting'; why: string } | { state: 'ready'; why: string } | { state: 'failed'; why: string };

/** The request being followed: the token set and whether it forced a release. */
export interface ReconcileRequest {
  target: Target;
  token: string;
  force: boolean;
}

/** Where `obj` stands on `req`; see the module comment. */
export function judge(obj: Managed, req: ReconcileRequest): Progress {
  const status = obj.status;
  const generation = obj.metadata.generation;
  if (status?.lastHandledReconcileAt !== req.token) return { state: 'waiting', why: 'the operator has not handled the request yet' };
  if (status.observedGeneration !== generation) return { state: 'waiting', why: `generation ${generation ?? 0} not observed yet` };
  const describe = (c: Condition): string => `${c.type}=${c.status} ${c.reason}${c.message === '' ? '' : `: ${c.message}`}`;
  const stalled = conditionOf(status, 'Stalled');
  if (stalled?.status === 'True') return { state: 'failed', why: describe(stalled) };
  const ready = conditionOf(status, 'Ready');
  if (ready === undefined || ready.observedGeneration !== generation) return { state: 'waiting', why: 'Ready not computed for this generation yet' };
  if (ready.status === 'False' && !WAITING_REASONS.has(ready.reason)) return { state: 'failed', why: describe(ready) };
  if (ready.status !== 'True') return { state: 'waiting', why: describe(ready) };
  if (req.force && req.target === Target.Release && (status as NonNullable<HelmRelease['status']>).lastHandledForceAt !== req.token) return { state: 'waiting', why: 'the forced upgrade has not run yet' };
  return { state: 'ready', why: describe(ready) };
}

/** The conditions of an object as one line, to print when they change. */
export function conditionsLine(obj: Managed): string {
  const list = obj.status?.conditions ?? [];
  if (list.length === 0) return 'no conditions yet';
  return list.map((c) => `${c.type}=${c.status}${c.reason === '' ? '' : ` (${c.reason})`}`).join(', ');
}

/** How {@link follow} reads and waits; tests pass a fast poll. */
export interface FollowOptions {
  timeoutMs: number;
  pollMs?: number;
  now?: () => number;
}

/**
 * Reads the object with `read` every `pollMs` (1 s) and writes each new conditions line (with the Ready
 * message) until {@link judge} says ready or failed, or `timeoutMs` passes. Resolves the exit code.
 */
export async function follow(read: () => Promise<Managed>, req: ReconcileRequest, io: CliIO, opts: FollowOptions): Promise<number> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    let obj: Managed | undefined;
    try {
      obj = await read();
    } catch (err) {
      io.stderr.write(`read failed (retrying): ${errorMessage(err)}\n`);
    }
    if (obj !== undefined) {
      const progress = judge(obj, req);
      const ready = conditionOf(obj.status, 'Ready');
      const line = `${conditionsLine(obj)}${ready?.message ? `: ${ready.message}` : ''}`;
      if (line !== last) io.stdout.write(`${line}\n`);
      last = line;
      if (progress.state === 'ready') {
        io.stdout.write(`ready: ${progress.why}\n`);
        return 0;
      }
      if (progress.state === 'failed') {
        io.stderr.write(`failed: ${progress.why}\n`);
        return 1;
      }
      if (now() >= deadline) {
        io.stderr.write(`timed out after ${opts.timeoutMs / 1000}s: ${progress.why}\n`);
        return 1;
      }
    } else if (now() >= deadline) {
      io.stderr.write(`timed out after ${opts.timeoutMs / 1000}s\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
  }
}

/** True when the object is suspended (HelmRelease spec.suspend, MaglevDistro spec.paused). */
export function isSuspended(obj: Managed): boolean {
  return obj.kind === 'MaglevDistro' ? obj.spec.paused === true : obj.spec.suspend === true;
}

/** Sets the annotations and, with `wait`, follows the object; resolves the exit code. */
async function reconcile(session: Session, io: CliIO, target: Target, name: string, flags: { force: boolean; wait: boolean; timeoutMs: number; pollMs?: number }): Promise<number> {
  const what = describeTarget(target, session.namespace, name);
  const before = await readObject(session, target, name);
  if (isSuspended(before)) {
    io.stderr.write(`maglev reconcile: ${what} is ${target === Target.Release ? 'suspended (spec.suspend)' : 'paused (spec.paused)'}: nothing would happen; resume it first: maglev resume ${target} ${name} -n ${session.namespace}\n`);
    return 1;
  }
  const token = new Date().toISOString();
  await patchObject(session, target, name, reconcilePatch(token, flags.force));
  io.stdout.write(`${what}: requested a ${flags.force ? 'forced ' : ''}reconcile (${TriggerAnnotation.ReconcileRequestedAt}=${token})\n`);
  if (!flags.wait) return 0;
  const req: ReconcileRequest = { target, token, force: flags.force };
  return follow(() => readObject(session, target, name), req, io, { timeoutMs: flags.timeoutMs, ...(flags.pollMs === undefined ? {} : { pollMs: flags.pollMs }) });
}

/** Runs `maglev reconcile ...`; returns the exit code. `pollMs` is for tests. */
export async function run(argv: string[], io: CliIO = process, pollMs?: number): Promise<number> {
  return runCommand('reconcile', usage, io, async () => {
    const { values, positionals } = parseFlags(argv, { ...kubeOptions, force: { type: 'boolean' }, wait: { type: 'boolean', short: 'w' }, timeout: { type: 'string' } });
    if (values.help === true) {
      io.stdout.write(usage);
      return 0;
    }
    const [word, name, ...extra] = positionals;
    const target = parseTarget(word);
    if (target === undefined) throw new UsageError(word === undefined ? 'expected: reconcile release|distro NAME' : `unknown kind "${word}": expected release or distro`);
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one NAME');
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(values.timeout ?? '5m', '--timeout');
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    const session = openSession(values);
    try {
      return await reconcile(session, io, target, name, { force: values.force === true, wait: values.wait === true, timeoutMs, ...(pollMs === undefined ? {} : { pollMs }) });
    } finally {
      session.close();
    }
  });
}
