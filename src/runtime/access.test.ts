import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessReviews, answerOf, groupsOf, SUBJECT_ACCESS_REVIEWS_PATH, type AccessQuestion } from './access.js';
import { KubeApiClient } from './client.js';
import { startFakeApiServer, statusBody, type FakeApiServer, type RecordedRequest } from './testing/api-server.js';

const TENANT = 'system:serviceaccount:apps:deployer';
const q = (namespace: string, name = 'db'): AccessQuestion => ({ user: TENANT, verb: 'get', group: 'maglev.io', resource: 'helmreleases', namespace, name });

/** A server whose authorizer allows `allowed` namespaces (for every user), and counts reviews. */
function authorizer(allowed: Set<string>) {
  return (req: RecordedRequest) => {
    if (req.method !== 'POST' || req.path !== SUBJECT_ACCESS_REVIEWS_PATH) return { status: 404, body: statusBody(404, 'NotFound', 'no') };
    const spec = (req.body as { spec: { resourceAttributes: { namespace: string } } }).spec;
    const ok = allowed.has(spec.resourceAttributes.namespace);
    return { status: 201, body: { ...(req.body as object), status: ok ? { allowed: true, reason: 'RBAC: allowed by RoleBinding "read/data"' } : { allowed: false } } };
  };
}

describe('AccessReviews', () => {
  let server: FakeApiServer;
  const allowed = new Set(['data']);
  beforeAll(async () => {
    server = await startFakeApiServer(authorizer(allowed));
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
    server.setHandler(authorizer(allowed));
  });

  it('asks the API server with the user, its ServiceAccount groups and the resource attributes', async () => {
    const reviews = new AccessReviews(new KubeApiClient(server.kubeConfig()));
    expect(await reviews.review(q('data'))).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "read/data"' });
    expect(await reviews.review(q('secret'))).toEqual({ allowed: false });
    expect(server.requests[0]?.body).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: TENANT,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'],
        resourceAttributes: { namespace: 'data', verb: 'get', group: 'maglev.io', resource: 'helmreleases', name: 'db' },
      },
    });
    // Not impersonating anyone: the operator asks about the tenant, it does not act as the tenant.
    expect(server.requests[0]?.headers['impersonate-user']).toBeUndefined();
  });

  it('reuses an allowed answer for its TTL and a denied one for the shorter TTL; identical questions share a request', async () => {
    let now = 1_000;
    const reviews = new AccessReviews(new KubeApiClient(server.kubeConfig()), { allowedTtlMs: 30_000, deniedTtlMs: 5_000, now: () => now });
    const [a, b] = await Promise.all([reviews.review(q('data')), reviews.review(q('data'))]);
    expect([a.allowed, b.allowed]).toEqual([true, true]);
    expect(await reviews.review(q('secret'))).toMatchObject({ allowed: false });
    expect(server.requests).toHaveLength(2);
    // Another name in the same namespace is another question (RBAC can name resources).
    await reviews.review(q('data', 'cache'));
    expect(server.requests).toHaveLength(3);

    now += 5_000;
    allowed.add('secret');
    expect(await reviews.review(q('secret'))).toMatchObject({ allowed: true });
    expect(await reviews.review(q('data'))).toMatchObject({ allowed: true });
    expect(server.requests).toHaveLength(4);

    now += 30_000;
    allowed.delete('data');
    expect(await reviews.review(q('data'))).toMatchObject({ allowed: false });
    expect(server.requests).toHaveLength(5);
    allowed.add('data');
    allowed.delete('secret');
  });

  it('throws a failed review and does not remember it', async () => {
    const reviews = new AccessReviews(new KubeApiClient(server.kubeConfig()));
    server.setHandler(() => ({ status: 403, body: statusBody(403, 'Forbidden', 'subjectaccessreviews.authorization.k8s.io is forbidden: User "op" cannot create resource "subjectaccessreviews"') }));
    await expect(reviews.review(q('data'))).rejects.toThrow(/403 Forbidden: subjectaccessreviews.authorization.k8s.io is forbidden/);
    server.setHandler(authorizer(allowed));
    expect(await reviews.review(q('data'))).toMatchObject({ allowed: true });
    expect(server.requests).toHaveLength(2);
  });
});

describe('groupsOf and answerOf', () => {
  it.each([
    [TENANT, ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated']],
    ['jane@example.com', ['system:authenticated']],
    ['system:serviceaccount:only-three', ['system:authenticated']],
  ])('%s → %j', (user, groups) => expect(groupsOf(user)).toEqual(groups));

  it.each([
    [{ status: { allowed: true } }, { allowed: true }],
    [{ status: { allowed: false, denied: true, reason: 'no RBAC policy matched' } }, { allowed: false, reason: 'no RBAC policy matched' }],
    [{ status: { allowed: false, evaluationError: 'webhook timed out' } }, { allowed: false, reason: 'webhook timed out' }],
    [{ status: { allowed: 'yes' } }, { allowed: false }],
    [undefined, { allowed: false }],
  ])('%j → %j', (body, answer) => expect(answerOf(body)).toEqual(answer));
});
