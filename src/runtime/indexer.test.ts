import { describe, expect, it } from 'vitest';
import { CacheIndex } from './indexer.js';
import type { KubeObject } from './object.js';
import { FakeCache } from './testing/fake-cache.js';

type Obj = KubeObject & { deps?: string[] };
const obj = (namespace: string, name: string, deps: string[]): Obj => ({ metadata: { namespace, name }, deps });

describe('CacheIndex', () => {
  it('files existing and new objects under their keys, refiles on update and forgets on delete', () => {
    const cache = new FakeCache<Obj>([obj('ns', 'app', ['ns/db'])]);
    const index = new CacheIndex(cache, (o) => o.deps ?? []);
    expect(index.lookup('ns/db')).toEqual([{ namespace: 'ns', name: 'app' }]);
    cache.set(obj('ns', 'web', ['ns/db', 'ns/cache', 'ns/db']));
    expect(index.lookup('ns/db')).toEqual([{ namespace: 'ns', name: 'app' }, { namespace: 'ns', name: 'web' }]);
    cache.set(obj('ns', 'app', ['ns/cache']));
    expect(index.lookup('ns/db')).toEqual([{ namespace: 'ns', name: 'web' }]);
    expect(index.lookup('ns/cache')).toEqual([{ namespace: 'ns', name: 'web' }, { namespace: 'ns', name: 'app' }]);
    cache.delete('ns', 'web');
    expect(index.lookup('ns/db')).toEqual([]);
    expect(index.lookup('ns/cache')).toEqual([{ namespace: 'ns', name: 'app' }]);
  });
});
