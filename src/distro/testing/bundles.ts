/**
 * Distro directories for bundle tests: a manifest of four components (two chart directories, one chart
 * archive, one repository chart) in a fresh temporary directory.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive } from '../../chart/archive.js';

/** Chart.yaml of a chart `name` at `version`. */
export const chartYaml = (name: string, version: string) => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;
/** distro.yaml of distro shop 1.0.0 with these component lines. */
export const manifest = (components: string) => `apiVersion: maglev.io/v1alpha1
kind: DistroManifest
name: shop
version: 1.0.0
upgradeFrom: ">=0.9.0 <1.0.0"
values: { global: { domain: shop.local } }
components:
${components}`;
/** Four valid components: pki; db and cache on pki; web on db and pki. */
export const GOOD = `  - { name: pki, chart: charts/pki, class: core }
  - { name: db, chart: charts/db, class: stateful, upgradePolicy: Manual, dependsOn: [pki] }
  - { name: web, chart: charts/web-2.0.0.tgz, dependsOn: [db, pki] }
  - { name: cache, chart: { repository: "https://charts.example.com", name: redis, version: 1.2.3 }, dependsOn: [pki] }
`;

/** A distro directory with `components` (default {@link GOOD}) and the charts they name. */
export async function distroDir(components = GOOD): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const files: Record<string, string> = {
    'distro.yaml': manifest(components),
    'charts/pki/Chart.yaml': chartYaml('pki', '1.0.0'),
    'charts/pki/templates/cm.yaml.ejs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: <%= Release.Name %> }\n',
    'charts/pki/.helmignore': 'notes.md\n',
    'charts/pki/notes.md': 'ignored',
    'charts/db/Chart.yaml': chartYaml('db', '12.1.0'),
    'charts/db/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: {{ .Release.Name }} }\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const web = await writeArchive([{ path: 'web/Chart.yaml', data: Buffer.from(chartYaml('web', '2.0.0')) }]);
  writeFileSync(join(dir, 'charts/web-2.0.0.tgz'), web);
  return dir;
}

