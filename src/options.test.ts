import { describe, expect, it } from 'vitest';
import { isMaglevError } from './errors.js';
import { parseOptions } from './options.js';

describe('parseOptions', () => {
  it('uses documented defaults', () => {
    const o = parseOptions([], {});
    expect(o).toMatchObject({
      kubeconfig: undefined,
      metricsAddress: { host: '0.0.0.0', port: 8080 },
      probesAddress: { host: '0.0.0.0', port: 8081 },
      leaderElect: false,
      leaderElectionNamespace: 'maglev-system',
      leaderElectionId: 'maglev-operator',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      concurrency: 4,
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      defaultServiceAccount: undefined,
      renderTimeoutMs: 30_000,
    });
    expect(o.identity).toMatch(/.+-[0-9a-f]{6}$/);
  });

  it('reads the environment, and flags win over it', () => {
    const env = { KUBECONFIG: '/k', POD_NAMESPACE: 'ops', POD_NAME: 'pod-1', MAGLEV_LOG_LEVEL: 'debug', MAGLEV_LEADER_ELECT: 'true' };
    expect(parseOptions([], env)).toMatchObject({ kubeconfig: undefined, leaderElectionNamespace: 'ops', identity: 'pod-1', logLevel: 'debug', leaderElect: true });
    const o = parseOptions(['--kubeconfig', '/other', '--log-level', 'warn', '--identity', 'me', '--metrics-bind-address', '127.0.0.1:0'], env);
    expect(o).toMatchObject({ kubeconfig: '/other', logLevel: 'warn', identity: 'me', metricsAddress: { host: '127.0.0.1', port: 0 } });
  });

  it.each([
    [['--concurrency', '0'], '--concurrency: "0" is not valid; expected a whole number from 1 to 64'],
    [['--concurrency', 'many'], '--concurrency: "many"'],
    [['--log-level', 'loud'], '--log-level: "loud" is not valid; expected trace|debug|info|warn|error'],
    [['--metrics-bind-address', '8080'], '--metrics-bind-address: "8080" is not valid; expected HOST:PORT'],
    [['--health-probe-bind-address', ':99999'], '--health-probe-bind-address: ":99999"'],
    [['--lease-duration', 'soon'], '--lease-duration: "soon" is not valid; expected a positive Go duration'],
    [['--shutdown-timeout', '0'], '--shutdown-timeout: "0"'],
    [['--render-timeout', 'forever'], '--render-timeout: "forever" is not valid; expected a positive Go duration'],
    [['--lease-duration', '5s'], '--renew-deadline: "10s" is not valid; expected a duration shorter than --lease-duration (5s)'],
    [['--retry-period', '10s'], '--retry-period: "10s" is not valid; expected a duration shorter than --renew-deadline'],
    [['--no-such-flag'], "Unknown option '--no-such-flag'"],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    let caught: unknown;
    try {
      parseOptions(argv, {});
    } catch (err) {
      caught = err;
    }
    expect(isMaglevError(caught, 'InvalidOptions')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});
