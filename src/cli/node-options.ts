/**
 * Node.js options the operator's image runs with (its NODE_OPTIONS; hack/image/build.ts writes them into the
 * image config, and `npm run bench` starts the operator with them, as the image does). They must be given when
 * the process starts; V8 ignores them later.
 *
 * `--max-semi-space-size=4`: the young generation of the main thread is at most 2 x 4 MiB instead of 2 x 16 MiB.
 * What the operator allocates per request (parsed JSON, rendered manifests) mostly dies young, so the smaller
 * nursery costs more frequent but shorter scavenges and saves 24 MiB of resident memory at every size
 * (N = 2000 releases at once: peak RSS 199 MiB with it, 230 MiB without; BENCHMARKS.md).
 */
export const OPERATOR_NODE_OPTIONS = '--max-semi-space-size=4';
