/**
 * The classes the operator takes from @kubernetes/client-node, loaded from one place.
 *
 * Built code (dist/) loads them from dist/vendor/client-node.js, which `npm run build` makes with
 * hack/bundle-client-node.mjs: the package's config.js imports all of its generated API clients, which the
 * operator never calls, and importing them costs about 22 MiB of live heap (50 MiB of RSS) in every process.
 * Sources run by vitest or tsx have no bundle next to them and load the package itself; the classes are the
 * same code either way. Import these names from here, never from the package, except `import type`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as ClientNode from '@kubernetes/client-node';

type Lib = Pick<typeof ClientNode, 'KubeConfig' | 'Watch' | 'ListWatch'>;

const bundle = new URL('../vendor/client-node.js', import.meta.url);
const lib: Lib = existsSync(fileURLToPath(bundle)) ? ((await import(bundle.href)) as Lib) : await import('@kubernetes/client-node');

export const KubeConfig = lib.KubeConfig;
export type KubeConfig = ClientNode.KubeConfig;
export const Watch = lib.Watch;
export type Watch = ClientNode.Watch;
export const ListWatch = lib.ListWatch;
export type ListWatch<T extends ClientNode.KubernetesObject> = ClientNode.ListWatch<T>;
