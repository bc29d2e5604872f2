/** Test doubles for code built on runtime/: fake clock, cache, Lease store, watch, API server, logger. */
export { startFakeApiServer, statusBody, type FakeApiServer, type FakeHandler, type FakeResponse, type RecordedRequest } from './api-server.js';
export { FakeCache } from './fake-cache.js';
export { FakeClock, flush } from './fake-clock.js';
export { MemoryLeaseStore } from './fake-lease-store.js';
export { FakeWatchServer, type FakeWatchCall } from './fake-watch.js';
export { memoryLogger, type MemoryLogger } from './logger.js';
