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
};

const usage = `Usage: maglev <command> [options]

Commands:
  operator    run the operator against the cluster in KUBECONFIG (or in-cluster config)
  template    render a chart locally, like helm template
  distro      pack, inspect, push a distro bundle; diff one against a running distro
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
