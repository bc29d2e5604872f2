/**
 * `npm run bench [-- NAME...]`: runs the named benchmarks (default: all) and writes each one's result
 * into its own section of BENCHMARKS.md, with the command, date and machine that produced it.
 */
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One benchmark: returns the markdown body of its section. */
export type Bench = () => Promise<string>;

const benches: Record<string, () => Promise<Bench>> = {
  render: async () => (await import('./render.js')).renderBench,
  releases: async () => (await import('./releases.js')).releasesBench,
  distro: async () => (await import('./distro.js')).distroBench,
  // Not run by default (it takes about half an hour at its default size): `npm run soak`.
  soak: () => Promise.resolve(async () => (await import('./soak.js')).soakBench()),
};

/** Benchmarks run when none is named. */
const defaults = ['render', 'releases', 'distro'];

const file = join(fileURLToPath(new URL('..', import.meta.url)), 'BENCHMARKS.md');

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function writeSection(name: string, body: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const args = process.argv.slice(2).filter((a) => a !== name).join(' ');
  const command = name === 'soak' ? `npm run soak${args === '' ? '' : ` -- ${args}`}` : `npm run bench -- ${name}`;
  const section = `${start}\n${body.trim()}\n\nCommand: \`${command}\` · ${new Date().toISOString().slice(0, 10)} · ${machine()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs again.\n';
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  text = at >= 0 && stop > at ? text.slice(0, at) + section + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && !(all[i - 1]?.startsWith('--') ?? false));
  const selected = names.length > 0 ? names : defaults;
  for (const name of selected) {
    const load = benches[name];
    if (load === undefined) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.stdout.write(`== ${name}\n`);
    const body = await (await load())();
    process.stdout.write(`${body}\n`);
    writeSection(name, body);
  }
  process.stdout.write(`results written to ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
