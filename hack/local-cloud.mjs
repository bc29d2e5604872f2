#!/usr/bin/env node
// The local cluster's stand-in for what a cloud or a kind/k3s cluster provides, so real charts come up on it:
// - storage: a default StorageClass `standard` (provisioner maglev.io/local-path, Immediate binding); for
//   each pending claim of that class it creates a PersistentVolume pre-bound to the claim (hostPath, never
//   mounted: kwok runs no containers), which kube-controller-manager then binds; a Released volume it made is
//   deleted (reclaimPolicy Delete), as a dynamic provisioner does;
// - load balancers: a Service of type LoadBalancer gets status.loadBalancer.ingress, an address from
//   172.18.255.0/24, as cloud-provider-kind or k3s's servicelb give one.
// Started and stopped by hack/cluster.sh with the control plane. Usage: local-cloud.mjs KUBECONFIG
import * as k8s from '@kubernetes/client-node';

const PROVISIONER = 'maglev.io/local-path';
const STORAGE_CLASS = 'standard';
const kc = new k8s.KubeConfig();
kc.loadFromFile(process.argv[2] ?? '');
const core = kc.makeApiClient(k8s.CoreV1Api);
const storage = kc.makeApiClient(k8s.StorageV1Api);

const log = (msg, extra = {}) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...extra })}\n`);
const status = (err) => err?.code ?? err?.statusCode;

async function ignoring(codes, call) {
  try {
    return await call();
  } catch (err) {
    if (!codes.includes(status(err))) throw err;
    return undefined;
  }
}

async function ensureStorageClass() {
  await ignoring([409], () =>
    storage.createStorageClass({
      body: {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
    }),
  );
}

/** A PersistentVolume for a pending claim of our class, pre-bound to it. */
async function provision(pvc) {
  const { namespace, name, uid } = pvc.metadata ?? {};
  if (pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName || pvc.spec?.storageClassName !== STORAGE_CLASS || pvc.metadata?.deletionTimestamp) return;
  const pv = `pvc-${uid}`;
  const created = await ignoring([409], () =>
    core.createPersistentVolume({
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pv, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
        spec: {
          capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
          volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: STORAGE_CLASS,
          hostPath: { path: `/var/lib/maglev-local-path/${namespace}/${name}` },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
        },
      },
    }),
  );
  if (created !== undefined) log('provisioned', { claim: `${namespace}/${name}`, volume: pv });
}

/** Deletes a Released volume this provisioner made. */
async function reclaim(pv) {
  if (pv.status?.phase !== 'Released' || pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER) return;
  if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete' || pv.metadata?.deletionTimestamp) return;
  await ignoring([404], () => core.deletePersistentVolume({ name: pv.metadata.name }));
  log('reclaimed', { volume: pv.metadata.name });
}

const addresses = new Map();
function addressFor(key) {
  if (!addresses.has(key)) addresses.set(key, `172.18.255.${(addresses.size % 254) + 1}`);
  return addresses.get(key);
}

/** Gives a LoadBalancer Service an ingress address. */
async function expose(svc) {
  if (svc.spec?.type !== 'LoadBalancer' || (svc.status?.loadBalancer?.ingress ?? []).length > 0 || svc.metadata?.deletionTimestamp) return;
  const { namespace, name } = svc.metadata;
  const ip = addressFor(`${namespace}/${name}`);
  const body = { ...svc, status: { ...(svc.status ?? {}), loadBalancer: { ingress: [{ ip }] } } };
  const done = await ignoring([404, 409], () => core.replaceNamespacedServiceStatus({ name, namespace, body }));
  if (done !== undefined) log('exposed', { service: `${namespace}/${name}`, ip });
}

/** Runs `handle` on every object of `path` as watch events arrive, and on a full list every 30 s. */
function follow(path, list, handle) {
  const run = (obj) => handle(obj).catch((err) => log('error', { path, err: String(err?.body ?? err) }));
  const informer = k8s.makeInformer(kc, path, list);
  informer.on('add', run);
  informer.on('update', run);
  informer.on('error', (err) => {
    log('watch ended; restarting', { path, err: String(err) });
    setTimeout(() => informer.start().catch(() => undefined), 2000);
  });
  setInterval(() => {
    list().then((l) => l.items.forEach(run)).catch((err) => log('list failed', { path, err: String(err) }));
  }, 30_000).unref();
  return informer.start();
}

async function main() {
  for (;;) {
    try {
      await ensureStorageClass();
      break;
    } catch (err) {
      log('waiting for the API server', { err: String(err) });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await follow('/api/v1/persistentvolumeclaims', () => core.listPersistentVolumeClaimForAllNamespaces(), provision);
  await follow('/api/v1/persistentvolumes', () => core.listPersistentVolume(), reclaim);
  await follow('/api/v1/services', () => core.listServiceForAllNamespaces(), expose);
  log('ready', { storageClass: STORAGE_CLASS, provisioner: PROVISIONER });
}

process.on('SIGTERM', () => process.exit(0));
main().catch((err) => {
  log('fatal', { err: String(err) });
  process.exit(1);
});
