#!/usr/bin/env node
/**
 * The `maglev` command: dispatches to a subcommand module. Each subcommand exports
 * `run(argv): Promise<number>` returning the exit code; only this file calls process.exit.
 */
import { errorMessage } from '../errors.js';

type Subcommand = (argv: string[]) => Promise<number>;

const subcommands: Record<string, () => Promise<Subcommand>> = {
  operator: async () => (await import('../main.js')).run,
  template: async () => (await import('./template.js')).run,
  distro: async () => (await import('./distro.js')).run,
  get: async () => (await import('./get.js')).run,
  status: async () => (await import('./status.js')).run,
  reconcile: async () => (await import('./reconcile.js')).run,
  suspend: async () => (await import('./suspend.js')).suspend,
  resume: async () => (await import('./suspend.js')).resume,
  approve: async () => (await import('./approve.js')).run,
  history: async () => (await import('./history.js')).run,
};

const usage = `Usage: maglev <command> [options]

Commands:
  operator    run the operator against the cluster in KUBECONFIG (or in-cluster config)
  template    render a chart locally, like helm template
  distro      pack, inspect, push a distro bundle; diff one against a running distro

Day-2 commands (kubectl's --kubeconfig, --context, -n/--namespace; exit 0 ok, 1 failure, 2 usage error):
  get         get releases|distros [NAME] [-A] [-o json|yaml]: a table of HelmReleases or MaglevDistros
  status      status distro NAME: a distro's components, plan steps and the approval it needs, as a tree
  reconcile   reconcile release|distro NAME [--force] [--wait] [--timeout D]: reconcile now (and follow it)
  suspend     suspend release|distro NAME: stop reconciling (spec.suspend, or spec.paused of a distro)
  resume      resume release|distro NAME: reconcile again
  approve     approve distro NAME [--yes]: show the plan awaiting approval and approve it
  history     history release|distro NAME: the revisions of a release or distro
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const load = subcommands[name];
  if (load === undefined) {
    process.stderr.write(`maglev: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`maglev: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
