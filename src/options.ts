/**
 * Operator options from flags and environment, validated once at start: a bad value stops the
 * process with a message naming the flag, the value and what is accepted.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { tryParseDuration } from './crds/duration.js';
import { ErrorCode, MaglevError } from './errors.js';

/** The validated options of one operator process. */
export interface Options {
  /** Explicit --kubeconfig file; when undefined, client-node's default chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: string | undefined;
  metricsAddress: { host: string; port: number };
  probesAddress: { host: string; port: number };
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity: string;
  concurrency: number;
  watchNamespace: string | undefined;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  shutdownTimeoutMs: number;
  /** ServiceAccount impersonated for releases that name none; set means impersonation is mandatory. */
  defaultServiceAccount: string | undefined;
  /** How long one render of a chart's templates may take before it fails (and its engine is stopped). */
  renderTimeoutMs: number;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Usage text listing every flag, its environment variable and default. */
export const optionsUsage = `Usage: maglev operator [flags]

  --kubeconfig PATH                  kubeconfig file (default: $KUBECONFIG, which may list several files,
                                     then ~/.kube/config, then the in-cluster ServiceAccount)
  --metrics-bind-address HOST:PORT   /metrics listener (env MAGLEV_METRICS_ADDR; default :8080; port 0 = any free port)
  --health-probe-bind-address H:P    /healthz and /readyz listener (env MAGLEV_PROBES_ADDR; default :8081)
  --leader-elect                     hold a Lease before reconciling (env MAGLEV_LEADER_ELECT=true)
  --leader-election-namespace NS     Lease namespace (env POD_NAMESPACE; default maglev-system)
  --leader-election-id NAME          Lease name (default maglev-operator)
  --lease-duration D                 default 15s; --renew-deadline D default 10s; --retry-period D default 2s
  --identity ID                      leader identity (env POD_NAME; default hostname + random suffix)
  --concurrency N                    reconciles at once per controller (1-64, default 4)
  --watch-namespace NS               watch one namespace only (env MAGLEV_WATCH_NAMESPACE; default all)
  --log-level LEVEL                  trace|debug|info|warn|error (env MAGLEV_LOG_LEVEL; default info)
  --shutdown-timeout D               time in-flight reconciles get on SIGTERM (default 30s)
  --default-service-account NAME     impersonate this ServiceAccount when a release names none, making
                                     impersonation mandatory (env MAGLEV_DEFAULT_SERVICE_ACCOUNT)
  --render-timeout D                 time one render of a chart's templates may take; a template still
                                     running then fails the render as RenderFailed (default 30s)
`;

function invalid(flag: string, value: string, accepted: string): MaglevError {
  return new MaglevError(ErrorCode.InvalidOptions, `--${flag}: "${value}" is not valid; expected ${accepted}`, {
    terminal: true,
    where: `--${flag}`,
  });
}

function address(flag: string, value: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (m === null || port > 65535) throw invalid(flag, value, 'HOST:PORT or :PORT with a port from 0 to 65535');
  return { host: m[1] === '' ? '0.0.0.0' : (m[1] ?? '0.0.0.0'), port };
}

function duration(flag: string, value: string): number {
  const r = tryParseDuration(value);
  if (r.error !== undefined || r.ms <= 0) throw invalid(flag, value, 'a positive Go duration such as 15s or 2m');
  return r.ms;
}

/** Parses and validates flags (`argv`) over environment defaults (`env`); throws InvalidOptions. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        'metrics-bind-address': { type: 'string' },
        'health-probe-bind-address': { type: 'string' },
        'leader-elect': { type: 'boolean' },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        identity: { type: 'string' },
        concurrency: { type: 'string' },
        'watch-namespace': { type: 'string' },
        'log-level': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        'default-service-account': { type: 'string' },
        'render-timeout': { type: 'string' },
      },
    });
  } catch (err) {
    throw new MaglevError(ErrorCode.InvalidOptions, `${(err as Error).message}\n\n${optionsUsage}`, { terminal: true });
  }
  const v = parsed.values;
  const concurrencyText = v.concurrency ?? '4';
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw invalid('concurrency', concurrencyText, 'a whole number from 1 to 64');
  }
  const logLevel = v['log-level'] ?? env.MAGLEV_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw invalid('log-level', logLevel, LOG_LEVELS.join('|'));
  const opts: Options = {
    kubeconfig: v.kubeconfig,
    metricsAddress: address('metrics-bind-address', v['metrics-bind-address'] ?? env.MAGLEV_METRICS_ADDR ?? ':8080'),
    probesAddress: address('health-probe-bind-address', v['health-probe-bind-address'] ?? env.MAGLEV_PROBES_ADDR ?? ':8081'),
    leaderElect: v['leader-elect'] ?? env.MAGLEV_LEADER_ELECT === 'true',
    leaderElectionNamespace: v['leader-election-namespace'] ?? env.POD_NAMESPACE ?? 'maglev-system',
    leaderElectionId: v['leader-election-id'] ?? 'maglev-operator',
    leaseDurationMs: duration('lease-duration', v['lease-duration'] ?? '15s'),
    renewDeadlineMs: duration('renew-deadline', v['renew-deadline'] ?? '10s'),
    retryPeriodMs: duration('retry-period', v['retry-period'] ?? '2s'),
    identity: v.identity ?? env.POD_NAME ?? `${hostname()}-${randomBytes(3).toString('hex')}`,
    concurrency,
    watchNamespace: v['watch-namespace'] ?? (env.MAGLEV_WATCH_NAMESPACE || undefined),
    logLevel: logLevel as Options['logLevel'],
    shutdownTimeoutMs: duration('shutdown-timeout', v['shutdown-timeout'] ?? '30s'),
    defaultServiceAccount: v['default-service-account'] ?? (env.MAGLEV_DEFAULT_SERVICE_ACCOUNT || undefined),
    renderTimeoutMs: duration('render-timeout', v['render-timeout'] ?? '30s'),
  };
  if (opts.renewDeadlineMs >= opts.leaseDurationMs) {
    throw invalid('renew-deadline', v['renew-deadline'] ?? '10s', `a duration shorter than --lease-duration (${v['lease-duration'] ?? '15s'})`);
  }
  if (opts.retryPeriodMs >= opts.renewDeadlineMs) {
    throw invalid('retry-period', v['retry-period'] ?? '2s', 'a duration shorter than --renew-deadline');
  }
  return opts;
}
