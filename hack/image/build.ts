/**
 * Assembles the operator image from the pieces hack/image.sh stages (Debian packages unpacked, the Node.js
 * binary, maglev-render, production node_modules, the built dist/), writes it as an OCI image layout tar and a
 * JSON summary, and pushes it when a registry is given. Run by hack/image.sh; not part of the operator.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pushBlob, pushManifest } from '../../src/distro/push.js';
import { OPERATOR_NODE_OPTIONS } from '../../src/cli/node-options.js';
import { gzipLayer, type Layer, Tree, tarOf } from './layer.js';
import { buildImage, layoutTar, MANIFEST_MEDIA_TYPE } from './oci.js';

const { values: a } = parseArgs({
  options: {
    epoch: { type: 'string' },
    version: { type: 'string' },
    commit: { type: 'string' },
    debian: { type: 'string' },
    node: { type: 'string' },
    renderer: { type: 'string' },
    app: { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string' },
    summary: { type: 'string' },
    'layer-cache': { type: 'string' },
    push: { type: 'string' },
  },
});
const arg = (k: keyof typeof a): string => {
  const v = a[k];
  if (typeof v !== 'string' || v === '') throw new Error(`hack/image/build.ts: --${k} is required`);
  return v;
};

/** The non-root user of the image, as in distroless images. */
const UID = 65532;

/** glibc, libstdc++ and libgcc (what bin/node links against), their copyright files, CA certificates, users. */
function baseTree(debian: string): Tree {
  const t = new Tree().copy(debian, '', (rel) =>
    /^lib(64)?\//.test(rel) || /^usr\/lib\/x86_64-linux-gnu\/[^/]+$/.test(rel) || /^usr\/share\/doc\/[^/]+\/copyright$/.test(rel) || rel.startsWith('etc/ld.so.conf'),
  );
  const certs = join(debian, 'usr/share/ca-certificates/mozilla');
  const bundle = readdirSync(certs).filter((f) => f.endsWith('.crt')).sort().map((f) => readFileSync(join(certs, f), 'utf8').trimEnd() + '\n');
  return t
    .file('etc/ssl/certs/ca-certificates.crt', bundle.join(''))
    .file('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${UID}:${UID}:nonroot:/home/nonroot:/sbin/nologin\n`)
    .file('etc/group', `root:x:0:\nnonroot:x:${UID}:\n`)
    .file('etc/nsswitch.conf', 'hosts: files dns\n')
    .add({ path: 'root', type: 'dir', mode: 0o700 })
    .add({ path: 'home/nonroot', type: 'dir', mode: 0o700, owner: UID })
    .add({ path: 'tmp', type: 'dir', mode: 0o1777 });
}

async function layer(name: string, tree: Tree, epoch: number): Promise<Layer> {
  const l = gzipLayer(name, await tarOf(tree.sorted(), epoch), a['layer-cache']);
  process.stderr.write(`[image] layer ${l.digest.slice(7, 19)} ${mb(l.blob.length)} (${mb(l.uncompressedSize)} uncompressed): ${name}\n`);
  return l;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const epoch = Number(arg('epoch'));
  const version = arg('version');
  const node = arg('node');
  const app = arg('app');
  const layers = [
    await layer('glibc, libstdc++, CA certificates, users (Debian packages)', baseTree(arg('debian')), epoch),
    await layer('Node.js', new Tree().copy(node, 'nodejs'), epoch),
    await layer('maglev-render', new Tree().file('usr/local/bin/maglev-render', readFileSync(arg('renderer')), true), epoch),
    await layer('production node_modules', new Tree().file('app/package.json', readFileSync(join(app, 'package.json'))).copy(join(app, 'node_modules'), 'app/node_modules'), epoch),
    await layer('dist', new Tree().copy(join(app, 'dist'), 'app/dist'), epoch),
  ];
  const image = buildImage(
    {
      epoch,
      user: `${UID}:${UID}`,
      entrypoint: ['/nodejs/bin/node', '/app/dist/cli/main.js', 'operator'],
      env: ['PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin', 'HOME=/home/nonroot', 'MAGLEV_RENDER_BIN=/usr/local/bin/maglev-render', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', `NODE_OPTIONS=${OPERATOR_NODE_OPTIONS}`],
      workingDir: '/app',
      exposedPorts: ['8080/tcp', '8081/tcp'],
      labels: {
        'org.opencontainers.image.created': new Date(epoch * 1000).toISOString(),
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.revision': arg('commit'),
        'org.opencontainers.image.title': 'maglev-operator',
        'org.opencontainers.image.version': version,
      },
    },
    layers,
  );
  const name = arg('name');
  writeFileSync(arg('out'), await layoutTar(image, version, `${name}:${version}`, epoch));
  const compressed = image.config.length + image.manifest.length + layers.reduce((n, l) => n + l.blob.length, 0);
  const uncompressed = layers.reduce((n, l) => n + l.uncompressedSize, 0);
  const summary: Record<string, unknown> = { image: `${name}:${version}`, digest: image.digest, compressedBytes: compressed, uncompressedBytes: uncompressed, layout: arg('out'), commit: arg('commit'), epoch };
  console.log(`[image] digest ${image.digest}`);
  console.log(`[image] size ${mb(compressed)} compressed, ${mb(uncompressed)} uncompressed (${layers.length} layers)`);
  console.log(`[image] layout ${arg('out')}`);
  const registry = a.push;
  if (registry !== undefined && registry !== '') {
    const target = { host: registry, repository: name, tag: version };
    for (const blob of [image.config, ...layers.map((l) => l.blob)]) await pushBlob(target, blob);
    await pushManifest(target, image.manifest, MANIFEST_MEDIA_TYPE);
    summary.pushed = `${registry}/${name}:${version}@${image.digest}`;
    console.log(`[image] pushed ${String(summary.pushed)}`);
  }
  writeFileSync(arg('summary'), `${JSON.stringify(summary, null, 2)}\n`);
}

await main();
