/**
 * `maglev status distro NAME`: the distro as a tree. The head says which version is deployed and wanted,
 * the revision, Ready (reason and message) and the plan id; under it each component with its phase, chart
 * version, Helm revision, what blocks it, and the plan steps that change it (level, action, from -> to,
 * `Manual` where the component needs the plan approved); the last lines say what approval is needed and
 * the command that gives it.
 */
import type { ComponentStatus, MaglevDistro, PlanStep } from '../crds/index.js';
import type { KubeObject } from '../runtime/index.js';
import { describeTarget, kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, readObject, runCommand, Target, UsageError, type CliIO } from './kube.js';
import { cell, conditionOf, table } from './table.js';

const usage = `Usage: maglev status distro NAME [-n NS]

Shows a MaglevDistro as a tree: its components (phase, chart version, Helm revision, blocked-by), the
steps of the current plan under the component each changes (Manual marked), the plan id and the approval
it needs.
${kubeUsage}`;

/** The components of the distro that need an approved plan to change: upgradePolicy Manual inline, or waiting for approval. */
export function manualComponents(d: MaglevDistro): Set<string> {
  const out = new Set<string>();
  for (const c of d.spec.components ?? []) if (c.upgradePolicy === 'Manual') out.add(c.name);
  for (const c of d.status?.components ?? []) if (c.phase === 'AwaitingApproval') out.add(c.name);
  return out;
}

/** The steps that change something (action other than none). */
function changingSteps(d: MaglevDistro): PlanStep[] {
  return (d.status?.plan?.steps ?? []).filter((s) => s.action !== 'none');
}

/** One step as the tree shows it: `level 1  upgrade  1.0.0 -> 1.1.0  Manual`. */
export function describeStep(step: PlanStep, manual: boolean): string {
  const change = step.action === 'install' ? `-> ${cell(step.to)}` : step.action === 'uninstall' ? `${cell(step.from)} -> (removed)` : `${cell(step.from)} -> ${cell(step.to)}`;
  return `level ${step.level ?? 0}  ${step.action}  ${change}${manual ? '  Manual' : ''}`;
}

/** The head line of a component: name, phase, chart version, Helm revision, blocked-by, message. */
function componentCells(c: ComponentStatus): string[] {
  const blocked = (c.blockedBy ?? []).length > 0 ? `blocked by ${(c.blockedBy ?? []).join(', ')}` : '';
  return [c.name, cell(c.phase), `chart ${cell(c.chartVersion)}`, `revision ${cell(c.releaseRevision)}`, [blocked, c.message ?? ''].filter((s) => s !== '').join('; ')];
}

/** The approval lines: what waits for approval and how to give it, or that none is needed. */
export function approvalLines(d: MaglevDistro, manual: ReadonlySet<string>): string[] {
  const awaiting = conditionOf(d.status, 'AwaitingApproval');
  const planId = d.status?.plan?.id ?? '';
  const ns = d.metadata.namespace ?? '';
  const name = d.metadata.name ?? '';
  if (awaiting?.status === 'True') {
    const waiting = (d.status?.components ?? []).filter((c) => c.phase === 'AwaitingApproval').map((c) => c.name);
    const which = waiting.length > 0 ? waiting : changingSteps(d).filter((s) => manual.has(s.component)).map((s) => s.component);
    return [`approval: needed: plan ${planId} changes Manual component(s) ${which.join(', ')}`, `  approve it with: maglev approve distro ${name} -n ${ns}`];
  }
  if (planId !== '' && d.spec.approvedPlan === planId) return [`approval: plan ${planId} is approved (spec.approvedPlan)`];
  return ['approval: none needed'];
}

/** The whole tree of a distro. */
export function describeDistro(d: MaglevDistro): string {
  const ns = d.metadata.namespace ?? '';
  const name = d.metadata.name ?? '';
  const ready = conditionOf(d.status, 'Ready');
  const deployed = d.status?.version ?? '';
  const version = deployed === d.spec.version ? deployed : `${deployed === '' ? 'none' : deployed} (wants ${d.spec.version})`;
  const lines = [`${describeTarget(Target.Distro, ns, name)}: version ${version}, revision ${d.status?.revision ?? 0}${d.spec.paused === true ? ', paused (spec.paused)' : ''}`];
  lines.push(`Ready: ${ready === undefined ? 'unknown (not reconciled yet)' : `${ready.status} ${ready.reason}${ready.message === '' ? '' : `: ${ready.message}`}`}`);
  const steps = changingSteps(d);
  const planId = d.status?.plan?.id;
  lines.push(planId === undefined || planId === '' ? 'plan: none' : `plan: ${planId} (${steps.length === 0 ? 'no changes' : `${steps.length} step(s)`})`);
  const manual = manualComponents(d);
  const components = [...(d.status?.components ?? [])];
  for (const s of steps) if (!components.some((c) => c.name === s.component)) components.push({ name: s.component, phase: 'Pending' });
  lines.push('components:');
  const heads = table(['', '', '', '', ''], components.map(componentCells)).split('\n').slice(1, -1);
  components.forEach((c, i) => {
    const last = i === components.length - 1;
    lines.push(`${last ? '└── ' : '├── '}${heads[i] ?? c.name}${manual.has(c.name) ? '  [Manual]' : ''}`);
    const mine = steps.filter((s) => s.component === c.name);
    mine.forEach((s, j) => lines.push(`${last ? '    ' : '│   '}${j === mine.length - 1 ? '└── ' : '├── '}step: ${describeStep(s, manual.has(s.component))}`));
  });
  if (components.length === 0) lines.push('    (none)');
  lines.push(...approvalLines(d, manual));
  return `${lines.join('\n')}\n`;
}

/** Runs `maglev status distro NAME`; returns the exit code. */
export async function run(argv: string[], io: CliIO = process): Promise<number> {
  return runCommand('status', usage, io, async () => {
    const { values, positionals } = parseFlags(argv, kubeOptions);
    if (values.help === true) {
      io.stdout.write(usage);
      return 0;
    }
    const [word, name, ...extra] = positionals;
    if (parseTarget(word) !== Target.Distro) throw new UsageError(word === undefined ? 'expected: status distro NAME' : `status shows distros only, not "${word}" (use maglev get releases NAME)`);
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one distro NAME');
    const session = openSession(values);
    try {
      io.stdout.write(describeDistro(await readObject<MaglevDistro & KubeObject>(session, Target.Distro, name)));
      return 0;
    } finally {
      session.close();
    }
  });
}
