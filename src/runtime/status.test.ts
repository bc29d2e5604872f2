import { describe, expect, it } from 'vitest';
import { ApiStatusError } from './api-error.js';
import type { TargetRef } from './apply.js';
import type { KubeObject } from './object.js';
import { mergePatchOf, patchStatus, type StatusClient } from './status.js';

interface Widget extends KubeObject {
  status?: { phase?: string; observedGeneration?: number; conditions?: { type: string; status: string }[]; extra?: { a?: number; b?: number } };
}

/** One stored object; `interleavedWrites` simulates another writer bumping the RV before each of our patches. */
class MemoryStatusStore implements StatusClient {
  rv = 1;
  gets = 0;
  patches: unknown[] = [];
  interleavedWrites = 0;
  constructor(public obj: Widget | undefined) {}

  get<T extends KubeObject>(_ref: TargetRef): Promise<T | undefined> {
    this.gets++;
    if (!this.obj) return Promise.resolve(undefined);
    return Promise.resolve(structuredClone({ ...this.obj, metadata: { ...this.obj.metadata, resourceVersion: String(this.rv) } }) as T);
  }

  mergePatch<T extends KubeObject>(ref: TargetRef, patch: unknown, opts?: { subresource?: string }): Promise<T> {
    expect(opts?.subresource).toBe('status');
    this.patches.push(patch);
    if (this.interleavedWrites > 0) {
      this.interleavedWrites--;
      this.rv++;
    }
    const p = patch as { metadata: { resourceVersion: string }; status: Widget['status'] };
    if (p.metadata.resourceVersion !== String(this.rv)) {
      return Promise.reject(new ApiStatusError(`PATCH ${ref.name}/status`, 409, { reason: 'Conflict' }));
    }
    this.rv++;
    this.obj = { ...this.obj, status: { ...this.obj?.status, ...p.status } };
    return this.get<T>(ref) as Promise<T>;
  }
}

const widget = (status?: Widget['status']): Widget => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { namespace: 'ns', name: 'w', generation: 3 },
  ...(status ? { status } : {}),
});

describe('patchStatus', () => {
  it('sends nothing when the status is unchanged', async () => {
    const store = new MemoryStatusStore(widget({ phase: 'Ready', observedGeneration: 3 }));
    const res = await patchStatus(store, widget(), (s) => ({ ...s, phase: 'Ready', observedGeneration: 3 }));
    expect(res.outcome).toBe('unchanged');
    expect(store.patches).toEqual([]);
  });

  it('sends only the changes, guarded by the resourceVersion it read', async () => {
    const store = new MemoryStatusStore(widget({ phase: 'Installing', observedGeneration: 2, extra: { a: 1, b: 2 } }));
    const res = await patchStatus(store, widget(), (s) => ({ ...s, phase: 'Ready', extra: { a: 1 } }));
    expect(res.outcome).toBe('patched');
    expect(store.patches).toEqual([{ metadata: { resourceVersion: '1' }, status: { phase: 'Ready', extra: { b: null } } }]);
  });

  it('gives the mutate function a copy, never the stored object', async () => {
    const store = new MemoryStatusStore(widget({ conditions: [{ type: 'Ready', status: 'False' }] }));
    await patchStatus(store, widget(), (s) => {
      s?.conditions?.push({ type: 'Stalled', status: 'True' });
      return s ?? {};
    });
    expect(store.patches).toEqual([
      {
        metadata: { resourceVersion: '1' },
        status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Stalled', status: 'True' }] },
      },
    ]);
  });

  it('re-reads and retries on conflict', async () => {
    const store = new MemoryStatusStore(widget());
    store.interleavedWrites = 2;
    const res = await patchStatus(store, widget(), () => ({ phase: 'Ready' }));
    expect(res.outcome).toBe('patched');
    expect(store.gets).toBe(4);
    expect(store.patches).toHaveLength(3);
  });

  it('gives up after five retries with the conflict error', async () => {
    const store = new MemoryStatusStore(widget());
    store.interleavedWrites = 100;
    await expect(patchStatus(store, widget(), () => ({ phase: 'Ready' }))).rejects.toThrow(/409/);
    expect(store.patches).toHaveLength(6);
  });

  it('reports an object that no longer exists', async () => {
    const store = new MemoryStatusStore(undefined);
    expect(await patchStatus(store, widget(), () => ({ phase: 'Ready' }))).toEqual({ outcome: 'notFound' });
  });
});

describe('mergePatchOf', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, {}],
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }, { a: { y: 3 } }],
    [{ a: [1, 2] }, { a: [1] }, { a: [1] }],
    [undefined, { a: 1 }, { a: 1 }],
    [{ a: 1 }, undefined, null],
  ])('%j → %j = %j', (before, after, expected) => {
    expect(mergePatchOf(before, after)).toEqual(expected);
  });
});
