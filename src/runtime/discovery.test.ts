import { describe, expect, it } from 'vitest';
import { ApiStatusError } from './api-error.js';
import type { ApiClient, ApiRequest } from './client.js';
import { parseResourceList, RestMapper, splitApiVersion } from './discovery.js';
import { FakeClock } from './testing/fake-clock.js';

/** An ApiClient serving discovery documents from a mutable map (path → resources). */
function discoveryClient(docs: Map<string, { name: string; kind: string; namespaced: boolean }[]>): {
  client: ApiClient;
  paths: string[];
} {
  const paths: string[] = [];
  const client: ApiClient = {
    request(req: ApiRequest) {
      paths.push(req.path);
      const resources = docs.get(req.path);
      if (!resources) return Promise.reject(new ApiStatusError(`GET ${req.path}`, 404, undefined));
      return Promise.resolve({ kind: 'APIResourceList', resources });
    },
  };
  return { client, paths };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('discovery helpers', () => {
  it.each([
    ['v1', { group: '', version: 'v1' }],
    ['apps/v1', { group: 'apps', version: 'v1' }],
    ['maglev.io/v1alpha1', { group: 'maglev.io', version: 'v1alpha1' }],
  ])('splitApiVersion(%s)', (apiVersion, expected) => {
    expect(splitApiVersion(apiVersion)).toEqual(expected);
  });

  it('parses a resource list and skips subresources', () => {
    const body = {
      resources: [
        { name: 'pods', kind: 'Pod', namespaced: true },
        { name: 'pods/status', kind: 'Pod', namespaced: true },
        { name: 'nodes', kind: 'Node', namespaced: false },
      ],
    };
    expect(parseResourceList('v1', body)).toEqual([
      { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true },
      { group: '', version: 'v1', kind: 'Node', resource: 'nodes', namespaced: false },
    ]);
    expect(parseResourceList('v1', 'not a list')).toEqual([]);
  });
});

describe('RestMapper', () => {
  it('caches a group version after the first lookup', async () => {
    const docs = new Map([['/apis/apps/v1', [{ name: 'deployments', kind: 'Deployment', namespaced: true }]]]);
    const { client, paths } = discoveryClient(docs);
    const mapper = new RestMapper(client, { clock: new FakeClock() });
    await mapper.map('apps/v1', 'Deployment');
    const m = await mapper.map('apps/v1', 'Deployment');
    expect(m).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true });
    expect(paths).toEqual(['/apis/apps/v1']);
  });

  it('finds a CRD installed later, after refresh() or a rate-limited re-read on a miss', async () => {
    const docs = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();
    const { client, paths } = discoveryClient(docs);
    const clock = new FakeClock();
    const mapper = new RestMapper(client, { clock, minRefreshIntervalMs: 2_000 });

    await expect(mapper.map('maglev.io/v1alpha1', 'HelmRelease')).rejects.toThrow(
      'no resource for kind HelmRelease in maglev.io/v1alpha1: apiVersion maglev.io/v1alpha1 is not served',
    );
    docs.set('/apis/maglev.io/v1alpha1', [{ name: 'helmreleases', kind: 'HelmRelease', namespaced: true }]);
    // Within the refresh interval the cached miss stands.
    await expect(mapper.map('maglev.io/v1alpha1', 'HelmRelease')).rejects.toThrow();
    expect(paths).toHaveLength(1);

    mapper.refresh();
    expect((await mapper.map('maglev.io/v1alpha1', 'HelmRelease')).resource).toBe('helmreleases');

    docs.set('/apis/maglev.io/v1alpha1', [
      { name: 'helmreleases', kind: 'HelmRelease', namespaced: true },
      { name: 'maglevdistros', kind: 'MaglevDistro', namespaced: true },
    ]);
    clock.advance(2_000);
    expect((await mapper.map('maglev.io/v1alpha1', 'MaglevDistro')).resource).toBe('maglevdistros');
  });

  it('waitForKind re-reads discovery, bypassing a cached miss, until the kind of a just-established CRD is served', async () => {
    const docs = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();
    const { client, paths } = discoveryClient(docs);
    const clock = new FakeClock();
    const mapper = new RestMapper(client, { clock, minRefreshIntervalMs: 2_000 });
    await expect(mapper.map('e2e.maglev.io/v1', 'Gadget')).rejects.toThrow('is not served');
    const waiting = mapper.waitForKind('e2e.maglev.io/v1', 'Gadget', 10_000);
    await flush();
    clock.advance(100);
    await flush();
    docs.set('/apis/e2e.maglev.io/v1', [{ name: 'gadgets', kind: 'Gadget', namespaced: true }]);
    clock.advance(200);
    expect((await waiting).resource).toBe('gadgets');
    expect(paths).toEqual(['/apis/e2e.maglev.io/v1', '/apis/e2e.maglev.io/v1', '/apis/e2e.maglev.io/v1', '/apis/e2e.maglev.io/v1']);
    // The served document is cached for map() again.
    expect((await mapper.map('e2e.maglev.io/v1', 'Gadget')).namespaced).toBe(true);
    expect(paths).toHaveLength(4);
  });

  it('waitForKind gives up with UnknownKind after its timeout', async () => {
    const { client } = discoveryClient(new Map());
    const clock = new FakeClock();
    const mapper = new RestMapper(client, { clock });
    const waiting = expect(mapper.waitForKind('e2e.maglev.io/v1', 'Gadget', 1_000)).rejects.toThrow(
      'kind Gadget of e2e.maglev.io/v1 was still not served by discovery 1s after its CRD was established',
    );
    for (let i = 0; i < 10; i++) {
      await flush();
      clock.advance(200);
    }
    await waiting;
  });

  it('does not cache a failed discovery request', async () => {
    let fail = true;
    const client: ApiClient = {
      request: () =>
        fail
          ? Promise.reject(new ApiStatusError('GET /api/v1', 503, undefined))
          : Promise.resolve({ resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] }),
    };
    const mapper = new RestMapper(client, { clock: new FakeClock() });
    await expect(mapper.map('v1', 'ConfigMap')).rejects.toThrow('discovery of v1 failed');
    fail = false;
    expect((await mapper.map('v1', 'ConfigMap')).resource).toBe('configmaps');
  });
});
