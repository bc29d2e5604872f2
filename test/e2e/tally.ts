/**
 * `tsx test/e2e/tally.ts DIR N`: reads the vitest JSON reports DIR/run-1.json … run-N.json written by
 * hack/e2e-repeat.sh and prints, per e2e test, in how many runs it failed, most failures first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Report {
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

/** Failure counts per test over the reports in `dir`; `missing` counts runs that left no report. */
export function tally(dir: string, runs: number): { rows: [string, { runs: number; failed: number }][]; missing: number } {
  const tests = new Map<string, { runs: number; failed: number }>();
  let missing = 0;
  for (let k = 1; k <= runs; k++) {
    const file = join(dir, `run-${k}.json`);
    if (!existsSync(file)) {
      missing++;
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    for (const suite of report.testResults) {
      for (const t of suite.assertionResults) {
        const name = `${suite.name.replace(/^.*\/test\/e2e\//, '')} > ${t.fullName}`;
        const row = tests.get(name) ?? { runs: 0, failed: 0 };
        row.runs++;
        if (t.status === 'failed') row.failed++;
        tests.set(name, row);
      }
    }
  }
  const rows = [...tests].sort((a, b) => b[1].failed - a[1].failed || a[0].localeCompare(b[0]));
  return { rows, missing };
}

const [dir, n] = process.argv.slice(2);
if (dir !== undefined && n !== undefined) {
  const { rows, missing } = tally(dir, Number(n));
  console.log('failures  runs  test');
  for (const [name, r] of rows) console.log(`${String(r.failed).padStart(8)}  ${String(r.runs).padStart(4)}  ${name}`);
  const flaky = rows.filter(([, r]) => r.failed > 0).length;
  console.log(`[repeat] ${rows.length} tests, ${flaky} failed at least once${missing > 0 ? `; ${missing} run(s) left no report` : ''}`);
}
