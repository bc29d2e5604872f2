/**
 * The operator image (hack/image.sh): built twice from one commit, the second time from a fresh cache (only
 * the downloads reused), it has the same digest and the same layout bytes; the registry serves that digest;
 * and its root filesystem, unpacked from the OCI layout, runs the image's entrypoint as the image's user
 * under unshare/chroot (read-only root, /tmp a tmpfs, the host network for the API server on 127.0.0.1) and
 * makes a HelmRelease of a Go-template chart Ready. Needs root and unshare(1), and skips without them.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { clients, testNamespace } from './harness.js';
import { repoRoot } from './paths.js';
import { createRelease, waitReady } from './releases.js';

/** Why this machine cannot run the image, or undefined when it can (root, and unshare makes a mount namespace). */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'running the image under unshare/chroot needs root';
  try {
    execFileSync('unshare', ['--mount', 'true'], { stdio: 'ignore' });
  } catch (err) {
    return `unshare --mount does not work here: ${(err as Error).message}`;
  }
  return undefined;
}
const skip = cannotRun();
if (skip !== undefined) process.stderr.write(`[image.test] skipped: ${skip}\n`);

interface Summary { image: string; digest: string; compressedBytes: number; uncompressedBytes: number; layout: string; pushed?: string }
interface ImageConfig { config: { User: string; Entrypoint: string[]; Env: string[]; WorkingDir: string } }

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'maglev-image-'));
const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

/** Runs hack/image.sh for `commit` into `out` with `args`; returns its summary. */
async function build(out: string, args: string[]): Promise<Summary> {
  const t0 = Date.now();
  await run('bash', [join(repoRoot, 'hack', 'image.sh'), '--rev', commit, '--out', out, ...args], { maxBuffer: 64 << 20 });
  const file = readdirSync(out).find((f) => f.endsWith('.json'));
  if (file === undefined) throw new Error(`hack/image.sh wrote no summary into ${out}`);
  const summary = JSON.parse(readFileSync(join(out, file), 'utf8')) as Summary;
  process.stderr.write(`[image.test] hack/image.sh ${args.join(' ')}: ${summary.digest} in ${Math.round((Date.now() - t0) / 1000)}s\n`);
  return summary;
}

/** Unpacks the layout tar and applies its layers in order into `rootfs`; returns the image config. */
async function unpack(layout: string, rootfs: string): Promise<ImageConfig> {
  const dir = join(work, 'layout');
  mkdirSync(dir);
  mkdirSync(rootfs);
  await run('tar', ['-xf', layout, '-C', dir]);
  const blob = (digest: string): string => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const l of manifest.layers) await run('tar', ['-xzf', blob(l.digest), '-C', rootfs, '--same-owner', '--same-permissions']);
  return JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig;
}

// Inside a new mount namespace: the root read-only, /dev and /proc as a runtime gives them, /tmp a tmpfs
// (the Deployment's emptyDir) holding the kubeconfig, then the entrypoint as the image's user and workdir, with
// the image's Env only (IMAGE_ENV: no value in it holds a space).
const RUN = `set -e
root=$1 user=$2 wd=$3; shift 3
mkdir -p "$root/dev" "$root/proc"
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
install -o "\${user%:*}" -g "\${user#*:}" -m 600 "$KUBECONFIG_SRC" "$root/tmp/kubeconfig"
exec env -i $IMAGE_ENV KUBECONFIG=/tmp/kubeconfig MAGLEV_LOG_LEVEL=debug \\
  unshare --root="$root" --wd="$wd" --setuid "\${user%:*}" --setgid "\${user#*:}" "$@"`;

describe.skipIf(skip !== undefined)('operator image', () => {
  let first: Summary;
  let second: Summary;
  let config: ImageConfig;
  const rootfs = join(work, 'rootfs');
  let repo: ChartRepo;

  beforeAll(async () => {
    const registry = inject('registry');
    first = await build(join(work, 'a'), registry === '' ? ['--no-push'] : ['--push', registry]);
    second = await build(join(work, 'b'), ['--fresh', '--no-push']);
    config = await unpack(first.layout, rootfs);
    repo = await startChartRepo();
    await repo.add('goapp', '1.0.0', {
      'values.yaml': 'greeting: hello\n',
      'templates/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | upper | quote }}\n',
    });
  }, 600_000);
  afterAll(async () => {
    await repo?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('has the same digest and layout bytes when built again from a fresh cache', async () => {
    expect(second.digest).toBe(first.digest);
    expect(readFileSync(second.layout).equals(readFileSync(first.layout))).toBe(true);
    process.stderr.write(`[image.test] ${first.image} ${first.digest}: ${first.compressedBytes} bytes compressed, ${first.uncompressedBytes} uncompressed\n`);
    const registry = inject('registry');
    if (registry === '') return;
    const [repository, tag] = first.image.split(':');
    const res = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.headers.get('docker-content-digest')).toBe(first.digest);
  });

  it('runs its entrypoint as its user from the unpacked root filesystem and makes a HelmRelease Ready', async () => {
    expect(config.config.User).toBe('65532:65532');
    const ns = await testNamespace('image');
    const args = ['--watch-namespace', ns, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0'];
    const child = spawn('unshare', ['--mount', 'sh', '-c', RUN, 'run', rootfs, config.config.User, config.config.WorkingDir, ...config.config.Entrypoint, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KUBECONFIG_SRC: inject('kubeconfig'), IMAGE_ENV: config.config.Env.join(' ') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr.on('data', (b: Buffer) => (log += b.toString()));
    const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    onTestFailed(() => {
      process.stderr.write(`\n----- operator log (image, pid ${child.pid}) -----\n${log}\n----- end of operator log -----\n`);
    });
    let code: number | string;
    try {
      await createRelease(ns, 'img', { chart: { repository: repo.url, name: 'goapp', version: '1.0.0' }, interval: '5s' });
      await waitReady(ns, 'img', 'True');
      const cm = await clients().core.readNamespacedConfigMap({ namespace: ns, name: 'img-greeting' });
      expect(cm.data).toEqual({ greeting: 'HELLO' });
      expect(log).toContain('"msg":"listening"');
    } finally {
      child.kill('SIGTERM');
      code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
    }
    expect(code).toBe(0);
  });
});
