// Part of `npm run build` (after tsc): bundles the three @kubernetes/client-node classes the operator uses
// (KubeConfig, Watch, ListWatch) into dist/vendor/client-node.js, which src/runtime/kube-lib.ts loads.
//
// Why: the package's config.js statically imports its generated API clients and models (gen/index.js, about
// 50 MB on disk), although the operator never calls them; importing KubeConfig from the package costs about
// 22 MiB of live heap and 50 MiB of RSS in every operator process. esbuild follows the package's own relative
// imports and drops what nothing reaches. The package's dependencies (js-yaml, node-fetch, openid-client...)
// stay external: they are resolved from node_modules at run time, as before.
//
// Usage: node hack/bundle-client-node.mjs [OUT_DIR]   (default: dist/vendor)
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist', 'vendor'));
const pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('@kubernetes/client-node/package.json'));
const file = (name) => JSON.stringify(join(pkgDir, 'dist', name));
const outfile = join(outDir, 'client-node.js');

await build({
  stdin: {
    contents: [`export { KubeConfig } from ${file('config.js')};`, `export { Watch } from ${file('watch.js')};`, `export { ListWatch } from ${file('cache.js')};`].join('\n'),
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bare imports (the package's dependencies and node: builtins) are left to Node at run time.
  packages: 'external',
  outfile,
  legalComments: 'inline',
  logLevel: 'warning',
});

// The bundle must load and give the three classes (a missing dependency fails here, not in the operator).
const mod = await import(pathToFileURL(outfile).href);
for (const name of ['KubeConfig', 'Watch', 'ListWatch']) {
  if (typeof mod[name] !== 'function') throw new Error(`${outfile}: ${name} is missing`);
}
