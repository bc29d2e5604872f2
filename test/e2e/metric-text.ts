/** Reading a Prometheus text page, for the e2e tests and the benchmarks (no test runner needed). */

/** Sum of every sample of `metric` on a Prometheus text page whose labels include all of `labels`. */
export function metricValue(page: string, metric: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
