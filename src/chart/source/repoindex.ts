/**
 * Parsing a Helm repository index.yaml into a compact form. Like Helm (GHSA-c38g-469g-cmgx), entries whose
 * version is not SemVer, or whose fields carry control characters, are skipped; unlike Helm's "last one
 * wins" (GHSA-jm56-5h66-w453), two entries with the same chart version make the index invalid.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { isTable } from '../objects.js';
import { parseChartVersion } from '../semver.js';
import { parseYamlSafe } from '../yaml.js';

/** One chart version of an index: what fetching needs. */
export interface IndexEntry {
  name: string;
  version: string;
  urls: string[];
  /** Hex sha256 of the archive, when the index gives one. */
  digest?: string;
  appVersion?: string;
}

/** A parsed index: versions per chart name, and the entries skipped with the reason. */
export interface RepoIndex {
  entries: Map<string, IndexEntry[]>;
  skipped: string[];
}

const CONTROL = /\p{Cc}/u;

function invalid(where: string, message: string, cause?: unknown): MaglevError {
  return new MaglevError(ErrorCode.IndexInvalid, `${where}: ${message}`, { where, cause });
}

function entryOf(name: string, raw: unknown): IndexEntry | string {
  if (!isTable(raw)) return 'empty entry';
  const { version, urls, digest, appVersion } = raw;
  if (typeof version !== 'string' || parseChartVersion(version) === undefined) return `version ${JSON.stringify(version)} is not SemVer`;
  if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== 'string' || u === '')) return `version ${version} has no urls`;
  const strings = [name, version, ...(urls as string[])];
  if (typeof digest === 'string') strings.push(digest);
  if (typeof appVersion === 'string') strings.push(appVersion);
  if (strings.some((s) => CONTROL.test(s))) return `version ${JSON.stringify(version)} contains control characters`;
  const entry: IndexEntry = { name, version, urls: urls as string[] };
  if (typeof digest === 'string' && digest !== '') entry.digest = digest.replace(/^sha256:/, '').toLowerCase();
  if (typeof appVersion === 'string') entry.appVersion = appVersion;
  return entry;
}

function parseDocument(data: Buffer, where: string): unknown {
  const text = data.toString('utf8').replace(/^\ufeff/, '');
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw invalid(where, `not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
    }
  }
  return parseYamlSafe(text, where, { code: ErrorCode.IndexInvalid, maxNodes: 20_000_000 });
}

/** Parses index.yaml (YAML or JSON) bytes; `where` names the index URL. Throws IndexInvalid. */
export function parseRepoIndex(data: Buffer, where: string): RepoIndex {
  if (data.length === 0) throw invalid(where, 'the index is empty');
  const doc = parseDocument(data, where);
  if (!isTable(doc)) throw invalid(where, 'the index must be a YAML mapping with apiVersion and entries');
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') throw invalid(where, 'no apiVersion specified');
  const rawEntries: unknown = doc.entries ?? {};
  if (!isTable(rawEntries)) throw invalid(where, '"entries" must be a mapping of chart names to lists of versions');
  const entries = new Map<string, IndexEntry[]>();
  const skipped: string[] = [];
  for (const name of Object.keys(rawEntries)) {
    const list: unknown = rawEntries[name];
    if (!Array.isArray(list)) {
      skipped.push(`${name}: not a list`);
      continue;
    }
    const seen = new Map<string, string>();
    const kept: IndexEntry[] = [];
    for (const raw of list) {
      const e = entryOf(name, raw);
      if (typeof e === 'string') {
        skipped.push(`${name}: ${e}`);
        continue;
      }
      const norm = parseChartVersion(e.version) ?? e.version;
      const other = seen.get(norm);
      if (other !== undefined) throw invalid(where, `chart "${name}" lists version ${e.version} twice${other === e.version ? '' : ` (as ${other} and ${e.version})`}; duplicate entries are refused`);
      seen.set(norm, e.version);
      kept.push(e);
    }
    entries.set(name, kept);
  }
  return { entries, skipped };
}
