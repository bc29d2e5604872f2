/**
 * A write fence in front of the API client. While open, requests pass through. Once closed (the replica
 * lost its leader lease, or is shutting down after the graceful deadline), every request that could change
 * the cluster (anything but GET) is refused before it is sent, with MaglevError code Fenced. Reads still
 * pass, so in-flight work can notice its cancellation and end without touching the cluster.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import type { ApiClient } from './client.js';

/** The fence's state, shared by every client it wraps. */
export class WriteFence {
  private reason: string | undefined;

  /** Refuses every write from now on; `why` is named in the refusals. Closing twice keeps the first reason. */
  close(why: string): void {
    this.reason ??= why;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.reason !== undefined;
  }

  /** Wraps `inner` so its writes are refused once the fence is closed. */
  wrap(inner: ApiClient): ApiClient {
    return {
      request: (req) => {
        if (this.reason !== undefined && req.method !== 'GET') {
          const what = `${req.method} ${req.path}`;
          return Promise.reject(new MaglevError(ErrorCode.Fenced, `${what} not sent: ${this.reason}`, { where: what }));
        }
        return inner.request(req);
      },
    };
  }
}
