/**
 * `maglev suspend|resume release|distro NAME`: sets or clears the field that stops reconciling, which is
 * `spec.suspend` on a HelmRelease and `spec.paused` on a MaglevDistro (docs/api.md). Suspended, the operator
 * changes nothing (a spec change waits); resumed (the field removed), the next reconcile applies the spec.
 */
import type { HelmRelease, MaglevDistro } from '../crds/index.js';
import { describeTarget, kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, patchObject, runCommand, Target, UsageError, type CliIO } from './kube.js';

const usage = (verb: string): string => `Usage: maglev ${verb} release|distro NAME [-n NS]

suspend sets spec.suspend: true on a HelmRelease, spec.paused: true on a MaglevDistro: nothing is changed
until resume removes it.
${kubeUsage}`;

/** The spec field that suspends each target. */
export const SUSPEND_FIELD = { [Target.Release]: 'suspend', [Target.Distro]: 'paused' } as const satisfies Record<Target, keyof HelmRelease['spec'] | keyof MaglevDistro['spec']>;

/** The merge patch that suspends (`true`) or resumes (the field removed) a target. */
export function suspendPatch(target: Target, suspended: boolean): { spec: Record<string, true | null> } {
  return { spec: { [SUSPEND_FIELD[target]]: suspended ? true : null } };
}

async function toggle(verb: 'suspend' | 'resume', argv: string[], io: CliIO): Promise<number> {
  return runCommand(verb, usage(verb), io, async () => {
    const { values, positionals } = parseFlags(argv, kubeOptions);
    if (values.help === true) {
      io.stdout.write(usage(verb));
      return 0;
    }
    const [word, name, ...extra] = positionals;
    const target = parseTarget(word);
    if (target === undefined) throw new UsageError(word === undefined ? `expected: ${verb} release|distro NAME` : `unknown kind "${word}": expected release or distro`);
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one NAME');
    const session = openSession(values);
    try {
      await patchObject(session, target, name, suspendPatch(target, verb === 'suspend'));
      io.stdout.write(`${describeTarget(target, session.namespace, name)} ${verb === 'suspend' ? 'suspended' : 'resumed'} (spec.${SUSPEND_FIELD[target]}${verb === 'suspend' ? ': true' : ' removed'})\n`);
      return 0;
    } finally {
      session.close();
    }
  });
}

/** Runs `maglev suspend ...`; returns the exit code. */
export function suspend(argv: string[], io: CliIO = process): Promise<number> {
  return toggle('suspend', argv, io);
}

/** Runs `maglev resume ...`; returns the exit code. */
export function resume(argv: string[], io: CliIO = process): Promise<number> {
  return toggle('resume', argv, io);
}
