/**
 * A chart's values.schema.json pattern cannot stall the operator: `^(a+)+$` against 30 a's and a "!" (seconds
 * of backtracking for a RegExp) is checked in linear time while an ordinary release installs next to it; a
 * pattern RE2 cannot run (a backreference) is a SchemaInvalid condition naming the keyword and its path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { metricValue, operatorPorts, scrape, startOperator, testNamespace } from './harness.js';
import { conditionOf, createRelease, patchRelease, waitReady } from './releases.js';

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-cm
data:
  name: <%= quote(Values.name) %>
`;
const schema = (pattern: string): string => JSON.stringify({ properties: { name: { type: 'string', pattern } } });
const HOSTILE_NAME = `${'a'.repeat(30)}!`;

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  const files = { 'values.yaml': 'name: aaa\n', 'templates/cm.yaml.ejs': configMap };
  await repo.add('redosapp', '1.0.0', { ...files, 'values.schema.json': schema('^(a+)+$') });
  await repo.add('backrefapp', '1.0.0', { ...files, 'values.schema.json': schema('^(a)\\1$') });
  await repo.add('plainapp', '1.0.0', files);
});
afterAll(async () => repo.close());

describe('schema patterns', () => {
  it('a catastrophic pattern is checked without stalling the operator; a backreference is SchemaInvalid', async () => {
    const ns = await testNamespace('redos');
    const proc = startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
    const { metrics } = await operatorPorts(proc);
    await scrape(metrics); // starts a fresh event-loop lag window
    const started = Date.now();
    const chart = (name: string) => ({ repository: repo.url, name, version: '1.0.0' });
    await createRelease(ns, 'hostile', { chart: chart('redosapp'), values: { name: HOSTILE_NAME } });
    await createRelease(ns, 'backref', { chart: chart('backrefapp') });
    await createRelease(ns, 'ordinary', { chart: chart('plainapp'), values: { name: 'fine' } });

    const [hostile, backref] = await Promise.all([
      waitReady(ns, 'hostile', 'False', 'ValuesInvalid'),
      waitReady(ns, 'backref', 'False', 'SchemaInvalid'),
      waitReady(ns, 'ordinary', 'True', 'InstallSucceeded'),
    ]);
    const settled = Date.now() - started;
    expect(conditionOf(hostile.status, 'Ready')?.message).toContain('redosapp: name: must match pattern "^(a+)+$"');
    expect(conditionOf(hostile.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'ValuesInvalid' });
    expect(hostile.status?.releaseRevision ?? 0).toBe(0);
    expect(conditionOf(backref.status, 'Ready')?.message).toMatch(/"pattern" at \/properties\/name\/pattern: "\^\(a\)\\\\1\$" is not an RE2 regular expression/);
    // Before patterns ran on RE2 one check of the hostile value held the event loop for about 4.5 s.
    const lag = metricValue(await scrape(metrics), 'nodejs_eventloop_lag_max_seconds');
    process.stdout.write(`redos e2e: three releases settled in ${settled} ms; max event-loop lag ${(lag * 1000).toFixed(0)} ms\n`);
    expect(lag).toBeLessThan(2);

    await patchRelease(ns, 'hostile', { spec: { values: { name: 'a'.repeat(30) } } });
    const fixed = await waitReady(ns, 'hostile', 'True', 'InstallSucceeded');
    expect(fixed.status?.releaseRevision).toBe(1);
  });
});
