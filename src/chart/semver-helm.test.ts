/**
 * Version constraints against the helm binary's own answers (see helmSays). The same module answers chart
 * version ranges, dependency versions and kubeVersion, so these pairs pin Helm's rules for all three.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toolPath } from './testdata/registry.js';
import { isCompatibleRange } from './semver.js';

const helm = toolPath('helm', 'HELM_VERSION');

const PAIRS: [string, string][] = [
  ['>= 1.21-0', '1.35.4'], ['>= 1.21-0', '1.35.4-eks-abc'], ['>=1.21.0', '1.35.4-eks-abc'], ['>=1.21.0', '1.35.4'],
  ['^1.20-0', '1.35.4-eks-abc'], ['^1.20', '1.35.4'], ['~1.35', '1.35.9'], ['~1.35', '1.36.0'], ['~1.35.2', '1.35.1'],
  ['~1', '1.99.0'], ['1.x', '1.35.4'], ['1.35.x', '1.35.4'], ['1.34.x', '1.35.4'], ['*', '1.35.4'], ['*', '1.35.4-rc.1'],
  ['x', '1.0.0'], ['>1.35', '1.35.4'], ['>1.34', '1.35.0'], ['>1', '1.35.4'], ['>1', '2.0.0'], ['<1.36', '1.35.4'],
  ['<1.35', '1.35.4'], ['<=1.35', '1.35.9'], ['<=1.34', '1.35.0'], ['<= 1.35.4', '1.35.4'], ['=>1.30, =<1.36', '1.35.4'],
  ['>=1.30,<1.36', '1.36.0'], ['>=1.30 <1.36 || >=2.0', '2.1.0'], ['>=1.30 <1.31 || >=2.0', '1.35.4'],
  ['1.30 - 1.36', '1.35.4'], ['1.30 - 1.34', '1.35.4'], ['1.30.0 - 1.35.4', '1.35.4'], ['!=1.35.4', '1.35.4'],
  ['!=1.35.3', '1.35.4'], ['!=1.35.x', '1.35.4'], ['!=1.34.x', '1.35.4'], ['!=1.x', '1.35.4'], ['v1.35.4', '1.35.4'],
  ['=1.35.4', '1.35.4'], ['1.35.4', '1.35.5'], ['^0.2.3', '0.2.9'], ['^0.2.3', '0.3.0'], ['^0.0.3', '0.0.3'],
  ['^0.0.3', '0.0.4'], ['^0.0', '0.0.9'], ['^0.0', '0.1.0'], ['^0', '0.9.0'], ['^1.2.3', '1.9.9'], ['^1.2.3', '2.0.0'],
  ['>=1.19.0-0 <1.36.0-0', '1.35.4'], ['>=1.19.0-0 <1.36.0-0', '1.36.0-alpha.1'], ['>= 1.16.0-0 < 1.36.0-0', '1.35.4-gke.100'],
  ['>=1.22.0-0', '1.21.9'], ['>=1.35.4-beta.2', '1.35.4-beta.10'], ['>=1.35.4-beta.2', '1.35.4-alpha.1'],
  ['~1.35.0-0', '1.35.4-eks-1'], ['>=1.30.0 || >=1.0.0-0', '1.35.4-rc.1'], ['> 1.35.4', '1.35.4+build'],
  ['1.35.4+meta', '1.35.4'], ['>=1.21 <2', 'v1.35.4'], ['^1.35.x', '1.40.0'], ['~1.x', '2.0.0'], ['>1.35.x', '1.36.0'],
  ['>1.35.x', '1.35.9'], ['<=1.35.x', '1.35.9'], ['>=1.2.3 !=1.2.5 <1.3', '1.2.5'], ['1.2.3 || 1.2.4', '1.2.4'],
  ['<1.35.4-0', '1.35.4-rc.1'], ['~>1.35.1', '1.35.7'], ['foo', '1.0.0'], ['>== 1.0', '1.0.0'], ['1.2.3.4', '1.2.3'],
];

/**
 * helm's verdict through Chart.yaml dependencies, which compare an unmodified version (`--kube-version` drops
 * prereleases before comparing, a real cluster's version does not): a dependency with version `constraint`
 * and alias `a` on a subchart at `version`; the subchart renders as `a` when helm finds them compatible, and
 * under its own name otherwise.
 */
async function helmSays(bin: string, constraint: string, version: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'constraint-'));
  mkdirSync(join(dir, 'charts', 'sub', 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: p\nversion: 0.1.0\ndependencies:\n  - { name: sub, version: ${JSON.stringify(constraint)}, alias: a }\n`);
  writeFileSync(join(dir, 'charts', 'sub', 'Chart.yaml'), `apiVersion: v2\nname: sub\nversion: ${JSON.stringify(version)}\n`);
  writeFileSync(join(dir, 'charts', 'sub', 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: {{ .Chart.Name }} }\n');
  const { stdout } = await promisify(execFile)(bin, ['template', 'x', dir], { env: { HOME: dir, PATH: process.env.PATH ?? '' } });
  if (stdout.includes('name: a }') || stdout.includes('name: a\n')) return true;
  if (stdout.includes('name: sub')) return false;
  throw new Error(`helm gave no verdict for ${constraint} / ${version}: ${stdout}`);
}

describe('version constraints: Helm exact', () => {
  it.skipIf(helm === undefined)(`agrees with the helm binary on ${PAIRS.length} constraint/version pairs`, async () => {
    const bin = helm ?? '';
    const answers: boolean[] = [];
    for (let i = 0; i < PAIRS.length; i += 8) {
      answers.push(...(await Promise.all(PAIRS.slice(i, i + 8).map(([c, v]) => helmSays(bin, c, v)))));
    }
    const disagreements = PAIRS.map(([c, v], i) => ({ c, v, helm: answers[i], ours: isCompatibleRange(c, v) })).filter((x) => x.helm !== x.ours);
    expect(disagreements).toEqual([]);
    // The cases of the issue, stated plainly.
    expect(isCompatibleRange('>= 1.21-0', 'v1.35.4')).toBe(true);
    expect(isCompatibleRange('>= 1.21-0', 'v1.35.4-eks-abc')).toBe(true);
    expect(isCompatibleRange('>=1.21.0', 'v1.35.4-eks-abc')).toBe(false);
    expect(answers.filter(Boolean).length).toBeGreaterThan(20);
  }, 60_000);
});
