/**
 * Errors for non-2xx API responses, and predicates to classify any error by HTTP status. Messages carry
 * the verb, path, status and the server's Status message — never request or response headers.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { isRecord } from './object.js';

const MAX_MESSAGE = 1024;

/** A non-2xx response. Code `Conflict` for 409, `ApiError` otherwise; `reason` is the Status reason. */
export class ApiStatusError extends MaglevError {
  /** HTTP status code. */
  readonly status: number;
  /** `reason` of the Kubernetes Status body (NotFound, AlreadyExists, Conflict, Invalid, …), if any. */
  readonly reason: string | undefined;

  constructor(what: string, status: number, body: unknown) {
    const reason = isRecord(body) && typeof body.reason === 'string' ? body.reason : undefined;
    const detail = isRecord(body) && typeof body.message === 'string' ? body.message : typeof body === 'string' ? body : '';
    const message = `${what}: ${status}${reason ? ` ${reason}` : ''}${detail ? `: ${detail}` : ''}`;
    super(status === 409 ? ErrorCode.Conflict : ErrorCode.ApiError, truncate(message), { where: what });
    this.name = 'ApiStatusError';
    this.status = status;
    this.reason = reason;
  }
}

/** The HTTP status an error carries: ours, client-node's `ApiException.code`, or a watch `statusCode`. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiStatusError) return err.status;
  if (!isRecord(err)) return undefined;
  if (typeof err.statusCode === 'number') return err.statusCode;
  if (typeof err.code === 'number') return err.code;
  return undefined;
}

/** True for 404 Not Found. */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** True for 409 (both a resourceVersion conflict and AlreadyExists). */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}

/** True for 410 Gone (an expired resourceVersion or continue token). */
export function isGone(err: unknown): boolean {
  return statusOf(err) === 410;
}

function truncate(s: string): string {
  return s.length <= MAX_MESSAGE ? s : `${s.slice(0, MAX_MESSAGE)}…`;
}
