/**
 * Whether a user may do something, as the API server's own authorizer answers it: a SubjectAccessReview
 * (`authorization.k8s.io/v1`), the way kube-apiserver asks on behalf of webhooks and aggregated servers. The
 * operator reads some objects from its informer caches, which hold what *it* may read; before it shows a
 * tenant something from there, it asks whether the tenant could have read it itself.
 *
 * Answers are kept briefly per question (an allowed one for `allowedTtlMs`, a denied one for `deniedTtlMs`),
 * so a reconcile burst costs one review, and a revoked or granted right takes effect within that time.
 * Identical questions in flight share one request. A review that fails (API unreachable, the operator not
 * allowed to create reviews) is thrown and not remembered.
 */
import type { ApiClient } from './client.js';
import { isRecord } from './object.js';

/** The path reviews are created at (cluster-scoped; needs `create` on subjectaccessreviews). */
export const SUBJECT_ACCESS_REVIEWS_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

/** One question: may `user` do `verb` on `resource` of `group` in `namespace` (named `name`, if given)? */
export interface AccessQuestion {
  user: string;
  verb: string;
  group: string;
  resource: string;
  namespace: string;
  name?: string;
}

/** The authorizer's answer; `reason` is its explanation when it gave one. */
export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
}

/** Answers {@link AccessQuestion}s; {@link AccessReviews} is the cluster's. */
export interface AccessReviewer {
  review(q: AccessQuestion): Promise<AccessAnswer>;
}

/** Options of {@link AccessReviews}. */
export interface AccessReviewsOptions {
  /** How long an allowed answer is reused (default 30 s). */
  allowedTtlMs?: number;
  /** How long a denied answer is reused (default 5 s: a grant shows soon). */
  deniedTtlMs?: number;
  now?: () => number;
}

/**
 * The groups the API server gives a ServiceAccount user (`system:serviceaccount:<ns>:<name>`), also when it is
 * impersonated without groups: `system:serviceaccounts`, `system:serviceaccounts:<ns>`, and for every
 * authenticated user `system:authenticated`. Any other user: `system:authenticated` only.
 */
export function groupsOf(user: string): string[] {
  const parts = user.split(':');
  if (parts.length === 4 && parts[0] === 'system' && parts[1] === 'serviceaccount') {
    return ['system:serviceaccounts', `system:serviceaccounts:${parts[2] ?? ''}`, 'system:authenticated'];
  }
  return ['system:authenticated'];
}

/** The request body of a review of `q`. */
export function reviewBody(q: AccessQuestion): Record<string, unknown> {
  const attributes: Record<string, string> = { namespace: q.namespace, verb: q.verb, group: q.group, resource: q.resource };
  if (q.name !== undefined) attributes.name = q.name;
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: q.user, groups: groupsOf(q.user), resourceAttributes: attributes },
  };
}

/** The answer in a review's response: allowed only when the server says `allowed: true`. */
export function answerOf(body: unknown): AccessAnswer {
  const status = isRecord(body) && isRecord(body.status) ? body.status : {};
  const reason = typeof status.reason === 'string' && status.reason !== '' ? status.reason : typeof status.evaluationError === 'string' && status.evaluationError !== '' ? status.evaluationError : undefined;
  return { allowed: status.allowed === true, ...(reason === undefined ? {} : { reason }) };
}

/** SubjectAccessReviews with a short-lived answer cache; see the module comment. */
export class AccessReviews implements AccessReviewer {
  private readonly answers = new Map<string, { answer: AccessAnswer; until: number }>();
  private readonly pending = new Map<string, Promise<AccessAnswer>>();
  private readonly now: () => number;

  constructor(
    private readonly api: ApiClient,
    private readonly opts: AccessReviewsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The answer to `q`: a recent one, or the API server's. */
  review(q: AccessQuestion): Promise<AccessAnswer> {
    const key = [q.user, q.verb, q.group, q.resource, q.namespace, q.name ?? ''].join('\u0000');
    const at = this.now();
    const kept = this.answers.get(key);
    if (kept !== undefined && kept.until > at) return Promise.resolve(kept.answer);
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const asked = this.ask(q)
      .then((answer) => {
        this.forgetExpired(at);
        const ttl = answer.allowed ? (this.opts.allowedTtlMs ?? 30_000) : (this.opts.deniedTtlMs ?? 5_000);
        this.answers.set(key, { answer, until: at + ttl });
        return answer;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, asked);
    return asked;
  }

  private async ask(q: AccessQuestion): Promise<AccessAnswer> {
    return answerOf(await this.api.request({ method: 'POST', path: SUBJECT_ACCESS_REVIEWS_PATH, body: reviewBody(q) }));
  }

  private forgetExpired(at: number): void {
    for (const [key, kept] of this.answers) if (kept.until <= at) this.answers.delete(key);
  }
}
