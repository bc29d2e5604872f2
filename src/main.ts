/**
 * `maglev operator`: wiring only. Options → logger → metrics → API client → caches → controllers,
 * started under leader election when asked; SIGTERM/SIGINT stop work gracefully and release the lease.
 */
import { KubeConfig } from './runtime/kube-lib.js';
import { pino, type Logger } from 'pino';
import { FIELD_MANAGER } from './constants.js';
import { API_VERSION, KINDS, PLURALS, type HelmRelease, type MaglevDistro } from './crds/index.js';
import { helmReleaseReconciler } from './controllers/helmrelease.js';
import { distroMetrics, maglevDistroReconciler } from './controllers/maglevdistro.js';
import { BundleStore } from './distro/bundle-store.js';
import { distroDriver } from './distro/driver.js';
import { DistroHistory } from './distro/history.js';
import type { ReadinessSink } from './controllers/common.js';
import { ErrorCode, errorMessage, MaglevError } from './errors.js';
import { createMetrics, readinessGauges, type Metrics } from './metrics.js';
import { optionsUsage, parseOptions, type Options } from './options.js';
import {
  AccessReviews,
  Controller,
  EventRecorder,
  intentChanged,
  Manager,
  ObjectWaits,
  WriteFence,
  informerCache,
  KubeApiClient,
  resourceOfPath,
  KubeLeaseStore,
  LeaderElector,
  ResourceClient,
  RestMapper,
  statusOf,
  type ApiClient,
  type KubeObject,
  type LeaderCallbacks,
  type Reconciler,
} from './runtime/index.js';
import { dependentsMapper, ownerDistroMapper, supersedeWatcher } from './controllers/watches.js';
import { metricsServer, probesServer, type Listening } from './server.js';
import { ChartCache, fetchChart } from './chart/index.js';
import { closeRenderer, renderChart, warmUpRenderer } from './render/index.js';
import { ClusterCapabilities, KubeSecretStore, kubeActionContexts, releaseDriver, type ActionObserver } from './release/index.js';
import { realClock } from './runtime/clock.js';


/** Annotations whose changes trigger a reconcile (besides generation, labels, finalizers, deletion). */
const OUR_ANNOTATIONS = 'maglev.io/';

/** Runs the operator until SIGTERM/SIGINT or lost leadership; resolves the process exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(optionsUsage);
    return 0;
  }
  let opts: Options;
  try {
    opts = parseOptions(argv, process.env);
  } catch (err) {
    process.stderr.write(`maglev operator: ${errorMessage(err)}\n`);
    return 2;
  }
  const log = pino({ level: opts.logLevel, base: { identity: opts.identity } });
  try {
    return await operate(opts, log);
  } catch (err) {
    log.fatal({ err: errorMessage(err) }, 'operator failed');
    return 1;
  }
}

function loadKubeConfig(opts: Options): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

/** Wraps an API client so every request is counted by verb, resource and status code. */
function countingClient(inner: ApiClient, metrics: Metrics): ApiClient {
  return {
    request: async (req) => {
      const labels = { verb: req.method, resource: resourceOfPath(req.path), dry_run: req.query?.dryRun === undefined ? 'false' : 'true' };
      try {
        const body = await inner.request(req);
        metrics.apiRequests.inc({ ...labels, code: '2xx' });
        return body;
      } catch (err) {
        metrics.apiRequests.inc({ ...labels, code: String(statusOf(err) ?? 'error') });
        throw err;
      }
    },
  };
}

function collectionPath(plural: string, namespace: string | undefined): string {
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `/apis/${API_VERSION}${ns}/${plural}`;
}

function newController(name: string, reconciler: Reconciler, opts: Options, log: Logger, metrics: Metrics): Controller {
  return new Controller({
    name,
    reconciler,
    logger: log,
    workers: opts.concurrency,
    metrics: {
      reconciled: (outcome, seconds) => {
        metrics.reconcileTotal.inc({ controller: name, result: outcome });
        metrics.reconcileDuration.observe({ controller: name }, seconds);
      },
      stuck: () => metrics.reconcileStuck.inc({ controller: name }),
    },
    queue: {
      metrics: {
        depth: (n) => metrics.workqueueDepth.set({ name }, n),
        added: () => metrics.workqueueAdds.inc({ name }),
        retried: () => metrics.workqueueRetries.inc({ name }),
        workDuration: (s) => metrics.workqueueWorkDuration.observe({ name }, s),
      },
    },
  });
}

function actionObserver(metrics: Metrics): ActionObserver {
  return (action, result, seconds) => {
    metrics.releaseActions.inc({ action, result });
    metrics.releaseActionDuration.observe({ action }, seconds);
  };
}

async function operate(opts: Options, log: Logger): Promise<number> {
  const kc = loadKubeConfig(opts);
  const metrics = createMetrics();
  const kube = new KubeApiClient(kc);
  const counted = countingClient(kube, metrics);
  // Every write of the reconcilers goes through the fence, closed the moment the lease is lost; the lease
  // itself is renewed and released on the unfenced client.
  const fence = new WriteFence();
  const api = fence.wrap(counted);
  const mapper = new RestMapper(api);
  const resources = new ResourceClient(api, mapper, FIELD_MANAGER);
  const events = new EventRecorder({ client: api, reportingInstance: opts.identity, logger: log.child({ component: 'events' }) });
  const readiness: ReadinessSink = readinessGauges(metrics);
  const capabilities = new ClusterCapabilities(api);
  const waits = new ObjectWaits({ kubeConfig: kc, api, mapper, logger: log });
  void warmUpRenderer().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not warm up the EJS renderer'));

  const manager = new Manager({
    logger: log,
    fence,
    shutdownTimeoutMs: opts.shutdownTimeoutMs,
    onLeading: (leading) => metrics.leader.set(leading ? 1 : 0),
    ...(opts.leaderElect ? { elector: (callbacks: LeaderCallbacks) => leaderElector(opts, counted, log, callbacks) } : {}),
  });
  const cacheOptions = (kind: string, plural: string) => {
    metrics.cacheCurrent.set({ cache: kind }, 0);
    return {
      path: collectionPath(plural, opts.watchNamespace),
      logger: log.child({ cache: kind }),
      onCurrent: (current: boolean) => metrics.cacheCurrent.set({ cache: kind }, current ? 1 : 0),
    };
  };
  const releases = manager.addCache(informerCache<HelmRelease & KubeObject>(kc, api, cacheOptions(KINDS.HelmRelease, PLURALS.HelmRelease)));
  const distros = manager.addCache(informerCache<MaglevDistro & KubeObject>(kc, api, cacheOptions(KINDS.MaglevDistro, PLURALS.MaglevDistro)));
  // One bundle cache for the distro controller and the child releases it serves charts to.
  const bundles = new BundleStore({ objects: resources, onFetch: (source, result) => metrics.bundleFetches.inc({ source, result }) });
  const drive = releaseDriver({
    objects: resources,
    releases,
    // A tenant release sees a cached HelmRelease of another namespace only if its ServiceAccount may get it
    // (release/reconcile/tenant.ts). A review changes nothing, so it is not fenced.
    access: new AccessReviews(counted),
    contextFor: kubeActionContexts({ api, resources, mapper, clock: realClock, identity: opts.identity, waits }),
    fetchChart,
    chartCache: new ChartCache(),
    distroChart: async (namespace, ref, digest, signal) => {
      const distro = distros.get(namespace, ref.name);
      if (distro === undefined) throw new MaglevError(ErrorCode.ChartNotFound, `spec.chart.distroRef: MaglevDistro ${namespace}/${ref.name} not found`, { where: 'spec.chart.distroRef' });
      return bundles.componentChart(distro, ref.component, digest, signal);
    },
    render: (input) => renderChart({ ...input, options: { ...input.options, timeoutMs: opts.renderTimeoutMs } }),
    // `lookup` in Go templates, as `helm upgrade` serves it: read through the operator's client as the release.
    lookup: async (req, call) => {
      if (req.name === '') return resources.list(req, call);
      return resources.get(req, call);
    },
    capabilities: () => capabilities.get(),
    events,
    onAction: actionObserver(metrics),
    identity: opts.identity,
    leaderElected: opts.leaderElect,
    defaultServiceAccount: opts.defaultServiceAccount,
    // A dependency becoming Ready wakes its dependents through the dependsOn index (controllers/watches.ts);
    // the requeue is only a safety net. Watching one namespace, a dependency elsewhere is not in the cache.
    dependencyRequeueMs: opts.watchNamespace === undefined ? 5 * 60_000 : 10_000,
    // A parked readiness wait re-queues its HelmRelease on the next event of its objects.
    wake: (req) => hrController.enqueue(req),
  });
  const hrController = manager.addController(
    newController(KINDS.HelmRelease, helmReleaseReconciler({ cache: releases, client: resources, events, readiness, drive }), opts, log, metrics),
  );
  const distroController = manager.addController(
    newController(
      KINDS.MaglevDistro,
      maglevDistroReconciler({
        cache: distros,
        client: resources,
        events,
        readiness,
        drive: distroDriver({ children: releases, objects: resources, history: new DistroHistory(new KubeSecretStore(api)), events, observer: distroMetrics(metrics), bundles }),
      }),
      opts,
      log,
      metrics,
    ),
  );
  // The dependents index subscribes to the cache first, so it is current when the mappers below run.
  const dependents = dependentsMapper(releases);
  releases.onEvent(supersedeWatcher((req, intent, reason) => hrController.supersede(req, intent, reason)));
  hrController.watch(releases, undefined, intentChanged(OUR_ANNOTATIONS));
  hrController.watch(releases, dependents);
  distroController.watch(distros, undefined, intentChanged(OUR_ANNOTATIONS));
  distroController.watch(releases, ownerDistroMapper());

  const servers: Listening[] = [];
  servers.push(await metricsServer(metrics.registry, opts.metricsAddress));
  servers.push(await probesServer(() => manager.isCurrent(), opts.probesAddress));
  log.info({ metricsPort: servers[0]?.port, probesPort: servers[1]?.port }, 'listening');

  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'shutting down');
    manager.stop(0);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const code = await manager.run();
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('SIGINT', onSignal);
  await Promise.all(servers.map((s) => s.app.close()));
  await waits.close();
  // The EJS render workers are unref'd but their message ports can still hold the event loop open.
  await closeRenderer();
  kube.close();
  log.info({ code }, 'stopped');
  return code;
}

function leaderElector(opts: Options, api: ApiClient, log: Logger, callbacks: LeaderCallbacks): LeaderElector {
  return new LeaderElector({
    store: new KubeLeaseStore(api, opts.leaderElectionNamespace, opts.leaderElectionId),
    identity: opts.identity,
    logger: log.child({ component: 'leader' }),
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs,
    ...callbacks,
  });
}
