/**
 * `maglev approve distro NAME [--yes]`: prints the plan the distro waits to have approved (its steps, the
 * Manual components marked) and sets `spec.approvedPlan` to `status.plan.id`. Refuses (exit 1) when the
 * status is not current, when there is no plan, or when nothing awaits approval. On a terminal without
 * --yes it asks first; with stdin not a terminal it proceeds, so scripts need no flag.
 */
import type { MaglevDistro } from '../crds/index.js';
import type { KubeObject } from '../runtime/index.js';
import { describeTarget, kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, patchObject, processIO, readObject, runCommand, Target, UsageError, type CliIO } from './kube.js';
import { describeStep, manualComponents } from './status.js';
import { conditionOf } from './table.js';

const usage = `Usage: maglev approve distro NAME [--yes] [-n NS]

Prints the plan awaiting approval and sets spec.approvedPlan to status.plan.id.
  -y, --yes                  do not ask (on a terminal); without a terminal it never asks
${kubeUsage}`;

/** The merge patch that approves `planId`. */
export function approvePatch(planId: string): { spec: { approvedPlan: string } } {
  return { spec: { approvedPlan: planId } };
}

/** Why `d` cannot be approved now, or undefined when it can. */
export function refusal(d: MaglevDistro): string | undefined {
  const generation = d.metadata.generation ?? 0;
  if (d.status?.observedGeneration !== generation) return `its status is not current (generation ${generation}, observed ${d.status?.observedGeneration ?? 'none'}): try again once the operator has planned it`;
  const planId = d.status.plan?.id ?? '';
  if (planId === '') return 'it has no plan (status.plan.id is empty)';
  if (conditionOf(d.status, 'AwaitingApproval')?.status !== 'True') return `nothing awaits approval (plan ${planId}${d.spec.approvedPlan === planId ? ' is already approved' : ' needs none'})`;
  return undefined;
}

/** The plan as `approve` prints it. */
export function describePlan(d: MaglevDistro): string {
  const manual = manualComponents(d);
  const steps = (d.status?.plan?.steps ?? []).filter((s) => s.action !== 'none');
  const lines = [`plan ${d.status?.plan?.id ?? ''} (version ${d.status?.version ?? 'none'} -> ${d.spec.version}):`];
  for (const s of steps) lines.push(`  ${s.component}: ${describeStep(s, manual.has(s.component))}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `maglev approve distro NAME`; returns the exit code. */
export async function run(argv: string[], io: CliIO = processIO()): Promise<number> {
  return runCommand('approve', usage, io, async () => {
    const { values, positionals } = parseFlags(argv, { ...kubeOptions, yes: { type: 'boolean', short: 'y' } });
    if (values.help === true) {
      io.stdout.write(usage);
      return 0;
    }
    const [word, name, ...extra] = positionals;
    if (parseTarget(word) !== Target.Distro) throw new UsageError(word === undefined ? 'expected: approve distro NAME' : `only distros are approved, not "${word}"`);
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one distro NAME');
    const session = openSession(values);
    try {
      const what = describeTarget(Target.Distro, session.namespace, name);
      const d = await readObject<MaglevDistro & KubeObject>(session, Target.Distro, name);
      const why = refusal(d);
      if (why !== undefined) {
        io.stderr.write(`maglev approve: ${what}: ${why}\n`);
        return 1;
      }
      const planId = d.status?.plan?.id ?? '';
      io.stdout.write(describePlan(d));
      if (values.yes !== true && io.confirm !== undefined && !(await io.confirm(`Approve plan ${planId} of ${what}?`))) {
        io.stderr.write('not approved\n');
        return 1;
      }
      await patchObject(session, Target.Distro, name, approvePatch(planId));
      io.stdout.write(`${what}: approved plan ${planId} (spec.approvedPlan)\n`);
      return 0;
    } finally {
      session.close();
    }
  });
}
