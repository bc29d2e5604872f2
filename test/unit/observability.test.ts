/**
 * The dashboard and the alerts shipped with the chart use only metrics the operator exports: every name in
 * their PromQL is looked up in the series names of the operator's own prom-client registry (src/metrics.ts).
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { alertExpressions, dashboardExpressions, exposedNames, metricNames, unknownNames } from '../support/observability.js';

const root = process.cwd();

describe('metricNames', () => {
  it.each([
    ['histogram_quantile(0.99, sum by (le, controller) (rate(maglev_reconcile_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))', ['maglev_reconcile_duration_seconds_bucket']],
    ['count(max by (namespace, name) (maglev_object_ready{kind="HelmRelease"}) == -1) or vector(0)', ['maglev_object_ready']],
    ['a_total / on (x) group_left (y) b{l="sum(c)"} > bool 1e3 unless ignoring (z) d offset 5m', ['a_total', 'b', 'd']],
    ['absent(maglev_leader)', ['maglev_leader']],
    ['1-x_total and on(namespace, name) deriv(y[15m:1m]) > 0.25', ['x_total', 'y']],
    ["max_over_time(z{reason='RolledBack'}[1h]) > inf", ['z']],
  ])('%s selects %j', (expr, want) => {
    expect(metricNames(expr).sort()).toEqual([...want].sort());
  });
});

describe('dashboard and alerts', () => {
  it('use only metric names the operator registry exposes', async () => {
    const exposed = exposedNames(await createMetrics().registry.metrics());
    expect(exposed.has('maglev_reconcile_duration_seconds_bucket')).toBe(true);
    expect(exposed.has('process_resident_memory_bytes')).toBe(true);
    expect(unknownNames(root, exposed)).toEqual([]);
  });

  it('cover what the operator is judged by', () => {
    const used = new Set([...dashboardExpressions(root), ...alertExpressions(root)].flatMap((e) => metricNames(e.expr)));
    for (const name of [
      'maglev_object_ready',
      'maglev_object_ready_reason',
      'maglev_reconcile_total',
      'maglev_reconcile_duration_seconds_bucket',
      'maglev_release_actions_total',
      'maglev_release_action_duration_seconds_bucket',
      'maglev_workqueue_depth',
      'maglev_api_requests_total',
      'maglev_leader',
      'process_resident_memory_bytes',
    ]) {
      expect(used, name).toContain(name);
    }
    expect(alertExpressions(root).map((e) => e.where)).toEqual([
      'alert MaglevHelmReleaseNotReady',
      'alert MaglevDistroNotReady',
      'alert MaglevDistroRolledBack',
      'alert MaglevDistroAwaitingApproval',
      'alert MaglevReconcileErrors',
      'alert MaglevReconcileStuck',
      'alert MaglevLeaderMissing',
      'alert MaglevOperatorAbsent',
      'alert MaglevWorkqueueGrowing',
      'alert MaglevCachesNotWatching',
    ]);
  });

  it('an unknown name is reported with where it is used', () => {
    const exposed = new Set(['maglev_leader']);
    expect(unknownNames(root, exposed)).toContain('alert MaglevHelmReleaseNotReady: maglev_object_ready');
  });
});
