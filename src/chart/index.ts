/**
 * Public surface of src/chart: from `spec.chart` + values to a loaded, pruned chart tree with final values.
 * Typical flow: fetchChart → composeValues → prepareChart → (render) ; valuesDigest for status.
 */
export type { Chart, ChartDependency, ChartFile, ChartMetadata, Values } from './types.js';
export { DEFAULT_LOAD_LIMITS, type LoadLimits } from './archive.js';
export { loadChartArchive, loadChartDir, type LoadOptions } from './load.js';
export { parseYamlSafe, parseYamlAllSafe, parseValuesYaml, HELM_YAML_SCHEMA, type YamlLimits } from './yaml.js';
export { coalesceValues, coalesceTables, valuesDigest, type CoalesceOptions, type WarnFn } from './values.js';
export { prepareChart, checkDependencies, pathValue, type PrepareOptions, type PreparedChart } from './dependencies.js';
export { composeValues, setValuesPath, parseValuesPath, mergeMaps, type ValuesSource, type ComposeOptions } from './valuesfrom.js';
export { assertValuesValid, validateValues, validateAgainstSchema, checkSchemaSafety, DEFAULT_SCHEMA_LIMITS, type SchemaViolation, type SchemaLimits } from './schema.js';
export { compileRange, pickVersion, parseChartVersion, isCompatibleRange, type VersionRange } from './semver.js';
export { ChartCache, sha256Digest, type ChartCacheOptions, type CacheStats } from './cache.js';
export { fetchChart, type ChartRef, type ConfigMapData, type Credentials, type FetchDeps, type FetchedChart } from './source/index.js';
export { fetchRepoIndex } from './source/http.js';
export { httpGet, expectOk, redactUrl, type GetOptions, type HttpResponse } from './source/httpclient.js';
export { archiveFromConfigMap } from './source/configmap.js';
export { isTable, deepCopy, canonicalJson } from './objects.js';
