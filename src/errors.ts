/**
 * Coded errors. Every failure the operator reports carries a code from `ErrorCode`, a message that
 * says what was wrong, where and what is accepted, an optional cause, and whether retrying can help.
 * Codes double as condition reasons (CamelCase) on HelmRelease and MaglevDistro status.
 */
export const ErrorCode = {
  // Spec and options
  InvalidSpec: 'InvalidSpec',
  InvalidOptions: 'InvalidOptions',
  // Chart sources and loading
  ChartNotFound: 'ChartNotFound',
  ChartFetchFailed: 'ChartFetchFailed',
  ChartInvalid: 'ChartInvalid',
  ChartTooLarge: 'ChartTooLarge',
  DigestMismatch: 'DigestMismatch',
  IndexInvalid: 'IndexInvalid',
  // Values
  ValuesInvalid: 'ValuesInvalid',
  SchemaInvalid: 'SchemaInvalid',
  // Rendering
  RenderFailed: 'RenderFailed',
  ManifestInvalid: 'ManifestInvalid',
  DuplicateObject: 'DuplicateObject',
  HelmUnavailable: 'HelmUnavailable',
  // Cluster interaction
  ApiError: 'ApiError',
  Conflict: 'Conflict',
  /** The API server does not serve an apiVersion/kind (no CRD installed for it). */
  UnknownKind: 'UnknownKind',
  /** A write refused before it was sent: this replica lost its leader lease (src/runtime/fence.ts). */
  Fenced: 'Fenced',
  // Release records, hooks and actions (src/release)
  ReleaseTooLarge: 'ReleaseTooLarge',
  ReleaseInvalid: 'ReleaseInvalid',
  ReleaseExists: 'ReleaseExists',
  ReleaseNotFound: 'ReleaseNotFound',
  ReleasePending: 'ReleasePending',
  HookFailed: 'HookFailed',
  WaitTimeout: 'WaitTimeout',
  OwnershipConflict: 'OwnershipConflict',
  /** A test hook (`helm.sh/hook: test`) failed after an install or upgrade (spec.test.enable). */
  TestFailed: 'TestFailed',
  /** Objects changed outside Helm could not be put back (spec.driftDetection.mode enabled). */
  DriftCorrectionFailed: 'DriftCorrectionFailed',
  /** A distro history record Secret (maglev.io/distro.v1) cannot be read. */
  DistroRecordInvalid: 'DistroRecordInvalid',
  /** A child HelmRelease name is taken by an object the distro does not control. */
  ChildConflict: 'ChildConflict',
  /** A distro bundle cannot be used: its archive, distro.yaml, graph or charts are wrong (every problem listed). */
  BundleInvalid: 'BundleInvalid',
  /** A distro bundle could not be read from its ConfigMap, URL or registry (retried). */
  BundleFetchFailed: 'BundleFetchFailed',
  /** MaglevDistro.spec.version is not the version of its bundle. */
  VersionMismatch: 'VersionMismatch',
  /** The bundle's upgradeFrom range does not hold the deployed distro version. */
  UpgradePathBlocked: 'UpgradePathBlocked',
} as const;

/** One of the closed set of error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options for {@link MaglevError}: the cause, and whether the failure is terminal (retrying cannot help). */
export interface MaglevErrorOptions {
  cause?: unknown;
  terminal?: boolean;
  /** Field path, file (path:line) or object the error is about, when there is one. */
  where?: string;
}

/** An error with a code, a location, and a terminal flag used by the reconcile contract. */
export class MaglevError extends Error {
  readonly code: ErrorCode;
  readonly terminal: boolean;
  readonly where: string | undefined;

  constructor(code: ErrorCode, message: string, options: MaglevErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MaglevError';
    this.code = code;
    this.terminal = options.terminal ?? false;
    this.where = options.where;
  }
}

/** True when `err` is a MaglevError, optionally with the given code. */
export function isMaglevError(err: unknown, code?: ErrorCode): err is MaglevError {
  return err instanceof MaglevError && (code === undefined || err.code === code);
}

/** A readable message for any thrown value, never throwing itself. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
