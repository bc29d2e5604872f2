/**
 * The renderer client's scheduling, against a stand-in engine process (a small Node script speaking the same
 * JSON lines): one render's death or deadline must not become its neighbours' failure.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MaglevError } from '../errors.js';
import { GoRenderer } from './go-renderer.js';

// values.sleepMs: answer after that long; values.die: 'oom' (Go's out-of-memory verdict) or 'crash', after sleepMs.
const script = `#!/usr/bin/env node
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.type !== 'render') return;
  const v = m.values || {};
  setTimeout(() => {
    if (v.die === 'oom') { process.stderr.write('fatal error: out of memory\\n'); process.exit(2); }
    if (v.die === 'crash') process.exit(3);
    process.stdout.write(JSON.stringify({ type: 'result', id: m.id, files: { 'x/templates/a.yaml': 'name: ' + v.name } }) + '\\n');
  }, v.sleepMs || 0);
});
`;
const dir = mkdtempSync(join(tmpdir(), 'fake-renderer-'));
const bin = join(dir, 'maglev-render');
writeFileSync(bin, script);
chmodSync(bin, 0o755);

const release = { name: 'r', namespace: 'ns', revision: 1, isInstall: true, isUpgrade: false };
let renderer: GoRenderer;
afterEach(() => renderer.close());

function render(values: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, string>> {
  return renderer.render({ archive: Buffer.from(''), values, release, kubeVersion: 'v1.30.0', apiVersions: [], timeoutMs });
}

async function failure(p: Promise<unknown>): Promise<MaglevError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MaglevError);
  return err as MaglevError;
}

describe('GoRenderer scheduling', () => {
  it('a render past its deadline fails alone: the renders running next to it are sent to a new process and succeed', async () => {
    renderer = new GoRenderer({ bin });
    const slow = render({ name: 'slow', sleepMs: 60_000 }, 300);
    await new Promise((r) => setTimeout(r, 100));
    const first = renderer.pid();
    const neighbour = render({ name: 'neighbour', sleepMs: 500 });
    const err = await failure(slow);
    expect(err.message).toMatch(/took longer than 0s/);
    expect(err.terminal).toBe(true);
    expect(await neighbour).toEqual({ 'x/templates/a.yaml': 'name: neighbour' });
    expect(renderer.pid()).not.toBe(first);
  });

  it('a process that dies with several renders in flight runs each again alone: only the culprit fails, for good when it hit the memory cap', async () => {
    renderer = new GoRenderer({ bin });
    const bomb = render({ name: 'bomb', die: 'oom', sleepMs: 200 });
    const a = render({ name: 'a', sleepMs: 400 });
    const b = render({ name: 'b', sleepMs: 400 });
    const err = await failure(bomb);
    expect(err.message).toMatch(/more memory than the renderer allows/);
    expect(err.terminal).toBe(true);
    expect(await a).toEqual({ 'x/templates/a.yaml': 'name: a' });
    expect(await b).toEqual({ 'x/templates/a.yaml': 'name: b' });
    // A new render after that uses the process that is running again.
    expect(await render({ name: 'later' })).toEqual({ 'x/templates/a.yaml': 'name: later' });
  });

  it('a process killed from outside mid-render: that render fails (retryable), the next one succeeds', async () => {
    renderer = new GoRenderer({ bin });
    const victim = render({ name: 'victim', sleepMs: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(renderer.pid() ?? 0, 'SIGKILL');
    const err = await failure(victim);
    expect(err.message).toMatch(/the renderer exited \(SIGKILL\)/);
    expect(err.terminal).toBe(false);
    expect(await render({ name: 'next' })).toEqual({ 'x/templates/a.yaml': 'name: next' });
  });

  it('killed from outside with two renders in flight, both run again alone and succeed', async () => {
    renderer = new GoRenderer({ bin });
    const one = render({ name: 'one', sleepMs: 1_000 });
    const two = render({ name: 'two', sleepMs: 1_000 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(renderer.pid() ?? 0, 'SIGKILL');
    expect(await Promise.all([one, two])).toEqual([{ 'x/templates/a.yaml': 'name: one' }, { 'x/templates/a.yaml': 'name: two' }]);
  });
});
