import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../../errors.js';
import { chartTgz } from '../testdata/tarball.js';
import { fetchChart } from './index.js';

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));

describe.skipIf(openssl === undefined)('private CA (needs openssl to make a test certificate)', () => {
  let dir: string;
  let server: https.Server;
  let url: string;
  let ca: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maglev-tls-'));
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
    await promisify(execFile)(openssl ?? '', [...args, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    ca = await readFile(join(dir, 'cert.pem'));
    const archive = await chartTgz('secure');
    server = https.createServer({ key: await readFile(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      if (req.url === '/index.yaml') res.end('apiVersion: v1\nentries:\n  secure:\n    - {name: secure, version: 1.0.0, urls: [secure-1.0.0.tgz]}\n');
      else res.end(archive);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('trusts the CA from caFile and refuses the server without it', async () => {
    expect((await fetchChart({ repository: url, name: 'secure' }, { credentials: { caFile: ca } })).name).toBe('secure');
    const err = await fetchChart({ repository: url, name: 'secure' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMaglevError(err, ErrorCode.ChartFetchFailed)).toBe(true);
    expect((err as Error).message).toMatch(/self-signed certificate/);
  });
});
