import { describe, expect, it } from 'vitest';
import { createMetrics, readinessGauges } from './metrics.js';

/** The samples of `name` on the registry's text page, without HELP and TYPE lines. */
async function samples(page: Promise<string>, name: string): Promise<string[]> {
  return (await page).split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('readinessGauges', () => {
  it('keeps one reason series per object, moving it when the reason changes', async () => {
    const metrics = createMetrics();
    const gauges = readinessGauges(metrics);
    const page = () => metrics.registry.metrics();
    gauges.set('MaglevDistro', 'apps', 'shop', { status: 'Unknown', reason: 'Progressing' });
    gauges.set('MaglevDistro', 'apps', 'shop', { status: 'False', reason: 'RolledBack' });
    gauges.set('HelmRelease', 'apps', 'web', { status: 'True', reason: 'InstallSucceeded' });
    expect(await samples(page(), 'maglev_object_ready_reason')).toEqual([
      'maglev_object_ready_reason{kind="MaglevDistro",namespace="apps",name="shop",reason="RolledBack"} 1',
      'maglev_object_ready_reason{kind="HelmRelease",namespace="apps",name="web",reason="InstallSucceeded"} 1',
    ]);
    expect(await samples(page(), 'maglev_object_ready')).toEqual([
      'maglev_object_ready{kind="MaglevDistro",namespace="apps",name="shop"} 0',
      'maglev_object_ready{kind="HelmRelease",namespace="apps",name="web"} 1',
    ]);
  });

  it.each([
    ['True', 1],
    ['False', 0],
    ['Unknown', -1],
  ])('maps Ready=%s to %i', async (status, value) => {
    const metrics = createMetrics();
    readinessGauges(metrics).set('HelmRelease', 'apps', 'web', { status, reason: 'Any' });
    expect(await samples(metrics.registry.metrics(), 'maglev_object_ready')).toEqual([
      `maglev_object_ready{kind="HelmRelease",namespace="apps",name="web"} ${value}`,
    ]);
  });

  it('an absent Ready condition is -1 with no reason; removing an object drops both', async () => {
    const metrics = createMetrics();
    const gauges = readinessGauges(metrics);
    gauges.set('HelmRelease', 'apps', 'web', { status: 'False', reason: 'ChartNotFound' });
    gauges.set('HelmRelease', 'apps', 'web', undefined);
    expect(await samples(metrics.registry.metrics(), 'maglev_object_ready')).toEqual(['maglev_object_ready{kind="HelmRelease",namespace="apps",name="web"} -1']);
    expect(await samples(metrics.registry.metrics(), 'maglev_object_ready_reason')).toEqual([]);
    gauges.set('HelmRelease', 'apps', 'web', { status: 'False', reason: 'ChartNotFound' });
    gauges.remove('HelmRelease', 'apps', 'web');
    expect(await samples(metrics.registry.metrics(), 'maglev_object_ready')).toEqual([]);
    expect(await samples(metrics.registry.metrics(), 'maglev_object_ready_reason')).toEqual([]);
  });
});
