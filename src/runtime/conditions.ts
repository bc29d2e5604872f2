/**
 * Pure helpers for `status.conditions` (the metav1.Condition shape) and the kstatus summary conditions:
 * - `Reconciling=True` while work is under way (including retries after an error);
 * - `Stalled=True` when a terminal error stops progress until the spec changes;
 * - `Ready` summarises: True when done, Unknown while reconciling, False on failure.
 * Reconciling and Stalled are "abnormal-true" conditions: they are removed rather than set False.
 */

/** The three condition statuses. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;

/** One of {@link ConditionStatus}. */
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** The kstatus summary condition types. */
export const ConditionType = { Ready: 'Ready', Reconciling: 'Reconciling', Stalled: 'Stalled' } as const;

/** A condition as stored in status. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  /** RFC 3339 time the status last changed. */
  lastTransitionTime: string;
}

/** A condition to set; the transition time is computed by {@link setCondition}. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** Longest message kept (the CRD schema's maxLength). */
export const MAX_CONDITION_MESSAGE = 32768;

/**
 * Returns a new list with `input` set. `lastTransitionTime` is `now` when the type is new or its status
 * changed, and is kept otherwise (reason, message and observedGeneration are always updated).
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === input.type);
  const lastTransitionTime =
    existing && existing.status === input.status ? existing.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { ...input, message: input.message.slice(0, MAX_CONDITION_MESSAGE), lastTransitionTime };
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  return existing ? list.map((c) => (c === existing ? next : c)) : [...list, next];
}

/** Returns a new list without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of `type`, if present. */
export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is present with status True. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === ConditionStatus.True;
}

/**
 * Where a reconcile stands, for {@link summarize}:
 * progressing (work under way) · ready (desired state reached) · retrying (failed, will retry) ·
 * stalled (terminal failure, waits for a spec change) · suspended (the user paused reconciling: Ready keeps
 * its status, Unknown when it had none, and carries the reason; Reconciling and Stalled are removed).
 */
export interface ReconcileState {
  phase: 'progressing' | 'ready' | 'retrying' | 'stalled' | 'suspended';
  reason: string;
  message: string;
}

/** Sets Ready, Reconciling and Stalled from `state` per kstatus; other conditions are left alone. */
export function summarize(
  conditions: readonly Condition[] | undefined,
  state: ReconcileState,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const { reason, message } = state;
  const set = (list: Condition[], type: string, status: ConditionStatus): Condition[] =>
    setCondition(list, { type, status, reason, message, observedGeneration: generation }, now);
  let out = [...(conditions ?? [])];
  switch (state.phase) {
    case 'progressing':
      out = set(out, ConditionType.Reconciling, ConditionStatus.True);
      out = removeCondition(out, ConditionType.Stalled);
      return set(out, ConditionType.Ready, ConditionStatus.Unknown);
    case 'ready':
      out = removeCondition(removeCondition(out, ConditionType.Reconciling), ConditionType.Stalled);
      return set(out, ConditionType.Ready, ConditionStatus.True);
    case 'retrying':
      out = set(out, ConditionType.Reconciling, ConditionStatus.True);
      out = removeCondition(out, ConditionType.Stalled);
      return set(out, ConditionType.Ready, ConditionStatus.False);
    case 'stalled':
      out = removeCondition(out, ConditionType.Reconciling);
      out = set(out, ConditionType.Stalled, ConditionStatus.True);
      return set(out, ConditionType.Ready, ConditionStatus.False);
    case 'suspended': {
      const ready = getCondition(out, ConditionType.Ready)?.status ?? ConditionStatus.Unknown;
      out = removeCondition(removeCondition(out, ConditionType.Reconciling), ConditionType.Stalled);
      return set(out, ConditionType.Ready, ready);
    }
  }
}
