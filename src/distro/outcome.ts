/**
 * The distro's conditions and status fields for a decision, pure: Ready/Reconciling/Stalled through the
 * shared kstatus summary, plus AwaitingApproval (with the exact `kubectl patch` that approves the plan) and
 * RolledBack (with the failed component and its reason). `status.attempt` carries a change across passes
 * and restarts; it is cleared when the change ends.
 */
import type { ComponentStatus, MaglevDistro, MaglevDistroStatus } from '../crds/index.js';
import type { DriverOutcome } from '../controllers/common.js';
import type { ReconcileState } from '../runtime/conditions.js';
import type { Decision } from './decide.js';
import type { DistroRecord } from './history.js';
import type { Plan } from './plan.js';

/** The distro condition types besides Ready, Reconciling and Stalled. */
export const DistroCondition = { AwaitingApproval: 'AwaitingApproval', RolledBack: 'RolledBack' } as const;

/** Everything {@link outcomeOf} reads. */
export interface OutcomeInput {
  distro: MaglevDistro;
  decision: Decision;
  plan: Plan;
  components: readonly ComponentStatus[];
  records: readonly DistroRecord[];
  /** The maglev.io/force-at token this pass acted on, if any. */
  force?: string;
  now: number;
}

/** The command that approves `planId` for `distro`. */
export function approveCommand(distro: MaglevDistro, planId: string): string {
  const patch = JSON.stringify({ spec: { approvedPlan: planId } });
  return `kubectl patch maglevdistro ${distro.metadata.name ?? ''} -n ${distro.metadata.namespace ?? ''} --type merge -p '${patch}'`;
}

function names(components: readonly ComponentStatus[], phases: readonly string[]): string[] {
  return components.filter((c) => phases.includes(c.phase ?? '')).map((c) => c.name);
}

function progressMessage(components: readonly ComponentStatus[], rollingBack: boolean): string {
  const moving = names(components, ['Installing', 'Upgrading', 'RollingBack']);
  const blocked = components.filter((c) => c.phase === 'Blocked').map((c) => `${c.name} (waits for ${(c.blockedBy ?? []).join(', ')})`);
  const pending = names(components, ['Pending']);
  const parts = [`${rollingBack ? 'rolling back' : 'changing'}: ${moving.length > 0 ? moving.join(', ') : 'none'}`];
  if (blocked.length > 0) parts.push(`blocked: ${blocked.join(', ')}`);
  if (pending.length > 0) parts.push(`pending: ${pending.join(', ')}`);
  return parts.join('; ');
}

/** The Ready message of a deployed distro; the same whether the change just ended or was long done. */
function readyMessage(deployed: DistroRecord | undefined, components: readonly ComponentStatus[]): string {
  return `distro ${deployed?.version ?? ''} revision ${deployed?.revision ?? 0}: ${components.filter((c) => c.phase === 'Ready').length} components Ready`;
}

/** The outcome of one pass; see the module comment. */
export function outcomeOf(input: OutcomeInput): DriverOutcome<MaglevDistroStatus> {
  const { distro, decision, plan, components, records } = input;
  const last = records[0];
  const deployed = records.find((r) => r.status === 'deployed');
  const status: Partial<MaglevDistroStatus> = { attempt: undefined };
  const conditions: DriverOutcome<MaglevDistroStatus>['conditions'] = [];
  const remove: string[] = [];
  let state: ReconcileState;
  const notApproval = { type: DistroCondition.AwaitingApproval, status: 'False' as const, reason: 'NotRequired', message: '' };
  switch (decision.kind) {
    case 'paused':
      state = { phase: 'suspended', reason: 'Paused', message: `spec.paused: plan ${plan.id} is computed; nothing is applied` };
      status.attempt = input.distro.status?.attempt;
      break;
    case 'steady': {
      const failed = decision.failed.map((f) => `${f.component}: ${f.message}`);
      if (failed.length > 0) state = { phase: 'retrying', reason: 'ComponentNotReady', message: failed.join('; ') };
      else if (decision.waiting.length > 0) state = { phase: 'progressing', reason: 'Progressing', message: `waiting for ${decision.waiting.join(', ')} to be Ready` };
      else state = { phase: 'ready', reason: 'Succeeded', message: readyMessage(deployed, components) };
      conditions.push(notApproval);
      remove.push(DistroCondition.RolledBack);
      break;
    }
    case 'failedBefore': {
      const again = 'change the spec or set the maglev.io/force-at annotation to try again';
      state = { phase: 'stalled', reason: decision.revision.status === 'rolled-back' ? 'RolledBack' : 'UpgradeFailed', message: `revision ${decision.revision.revision} ${decision.revision.status}: ${decision.revision.message ?? ''}; ${again}` };
      conditions.push(notApproval);
      break;
    }
    case 'awaitingApproval': {
      const message = `plan ${plan.id} changes Manual components ${decision.components.join(', ')}; approve it with: ${approveCommand(distro, plan.id)}`;
      state = { phase: 'stalled', reason: 'AwaitingApproval', message };
      conditions.push({ type: DistroCondition.AwaitingApproval, status: 'True', reason: 'AwaitingApproval', message });
      break;
    }
    case 'run':
      state = { phase: 'progressing', reason: decision.mode === 'rollback' ? 'RollingBack' : 'Progressing', message: progressMessage(components, decision.mode === 'rollback') };
      if (decision.mode === 'rollback') state.message = `component ${decision.attempt.failed ?? '?'} failed (${decision.attempt.message ?? ''}); ${state.message}`;
      status.attempt = decision.attempt;
      conditions.push(notApproval);
      if (decision.mode === 'forward') remove.push(DistroCondition.RolledBack);
      break;
    case 'done':
      if (decision.mode === 'rollback') {
        const message = `component ${decision.attempt.failed ?? '?'} failed: ${decision.attempt.message ?? ''}; every changed component is back at revision ${deployed?.revision ?? '?'}`;
        state = { phase: 'stalled', reason: 'RolledBack', message };
        conditions.push({ type: DistroCondition.RolledBack, status: 'True', reason: 'RolledBack', message });
      } else {
        state = { phase: 'ready', reason: 'Succeeded', message: readyMessage(deployed, components) };
        remove.push(DistroCondition.RolledBack);
      }
      conditions.push(notApproval);
      break;
    case 'failed':
      state = { phase: 'stalled', reason: decision.mode === 'rollback' ? 'RollbackFailed' : 'ComponentFailed', message: last?.message ?? `component ${decision.component}: ${decision.message}` };
      conditions.push(notApproval);
      break;
  }
  if (input.force !== undefined && (decision.kind === 'run' || decision.kind === 'done' || decision.kind === 'failed')) status.lastHandledForceAt = input.force;
  const out: DriverOutcome<MaglevDistroStatus> = { state, status, conditions, removeConditions: remove };
  const deadline = decision.kind === 'run' ? decision.schedule.nextDeadline : undefined;
  if (deadline !== undefined) out.requeueAfterMs = Math.max(1_000, deadline - input.now + 100);
  return out;
}
