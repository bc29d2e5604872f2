import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../runtime/client.js';
import { ClusterCapabilities, kubeVersionOf } from './capabilities.js';

const bodies: Record<string, unknown> = {
  '/version': { major: '1', minor: '35', gitVersion: 'v1.35.4' },
  '/api': { versions: ['v1'] },
  '/apis': { groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1' }] }, { name: 'maglev.io', versions: [{ groupVersion: 'maglev.io/v1alpha1' }] }] },
  '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap' }, { name: 'pods', kind: 'Pod' }, { name: 'pods/status', kind: 'Pod' }] },
  '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }, { name: 'deployments/scale', kind: 'Scale' }] },
};

describe('ClusterCapabilities', () => {
  it('reads /version, /api and /apis once per TTL and shares concurrent loads', async () => {
    const seen: string[] = [];
    let now = 0;
    const client = {
      request: (req: ApiRequest) => (seen.push(req.path), req.path in bodies ? Promise.resolve(bodies[req.path]) : Promise.reject(new Error('503'))),
    };
    const caps = new ClusterCapabilities(client, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([caps.get(), caps.get()]);
    // maglev.io/v1alpha1 has no resource list here (as when an aggregated API is down): its kinds are left out.
    expect(a).toEqual({
      kubeVersion: 'v1.35.4',
      apiVersions: ['v1', 'apps/v1', 'maglev.io/v1alpha1', 'v1/ConfigMap', 'v1/Pod', 'apps/v1/Deployment', 'apps/v1/Scale'],
    });
    expect(b).toBe(a);
    expect(seen).toHaveLength(6);
    now = 999;
    await caps.get();
    expect(seen).toHaveLength(6);
    now = 1000;
    await caps.get();
    expect(seen).toHaveLength(12);
  });

  it('does not cache a failed read', async () => {
    let fail = true;
    const client = { request: (req: ApiRequest) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(bodies[req.path])) };
    const caps = new ClusterCapabilities(client);
    await expect(caps.get()).rejects.toThrow('down');
    fail = false;
    expect((await caps.get()).kubeVersion).toBe('v1.35.4');
  });

  it('builds a version from major and minor when gitVersion is missing', () => {
    expect(kubeVersionOf({ major: '1', minor: '30+' })).toBe('v1.30.0');
  });
});
