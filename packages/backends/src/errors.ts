/**
 * Every error netlens throws on purpose is a `NetlensError` with a stable `code`, so callers can
 * branch on it without parsing messages.
 */
export type NetlensErrorCode =
  | 'INVALID_ARGUMENT'
  | 'BACKEND_UNAVAILABLE'
  | 'UNSUPPORTED_BACKEND'
  | 'UNSUPPORTED_GRADIENT'
  | 'UNSUPPORTED_MODEL'
  | 'MODEL_LOAD'
  | 'IMAGE_DECODE'
  | 'ABORTED'
  | 'TIMEOUT';

/** Base class of every error netlens throws on purpose. */
export class NetlensError extends Error {
  /** A stable machine-readable code. */
  readonly code: NetlensErrorCode;

  constructor(code: NetlensErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetlensError';
    this.code = code;
  }
}

/**
 * An argument had the wrong rank, shape, dtype, range or value. The message names the argument,
 * what was expected and what was received.
 *
 * ```ts
 * throw new InvalidArgumentError('images', 'a rank-4 tensor [N, H, W, C]', `rank ${images.rank}`);
 * ```
 */
export class InvalidArgumentError extends NetlensError {
  /** The name of the argument at fault, as the caller spelled it (`images`, `options.epsilon`). */
  readonly argument: string;
  /** What the argument should have been. */
  readonly expected: string;
  /** What it was. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', `Invalid ${argument}: expected ${expected}, received ${received}.`, options);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** One backend that could not be used, and why. */
export interface BackendFailure {
  /** The backend hint that failed (`'webgpu'`, `'node-gpu'`, …). */
  backend: string;
  /** Why it could not be used, in one sentence. */
  reason: string;
  /** The original error, when there was one. */
  cause?: unknown;
}

/** No backend among the requested ones could be initialised; `failures` says why for each. */
export class BackendUnavailableError extends NetlensError {
  readonly failures: readonly BackendFailure[];

  constructor(failures: readonly BackendFailure[]) {
    const lines = failures.map((failure) => `  - ${failure.backend}: ${failure.reason}`).join('\n');
    super('BACKEND_UNAVAILABLE', `No requested backend could be initialised:\n${lines}`, {
      cause: failures.find((failure) => failure.cause !== undefined)?.cause,
    });
    this.name = 'BackendUnavailableError';
    this.failures = failures;
  }
}

/** One operation whose gradient cannot be computed on a backend. */
export interface GradientGap {
  /** The kernel or graph op name (`Conv2DBackpropFilter`, `StridedSlice`). */
  op: string;
  /** Why it cannot be differentiated here. */
  reason: string;
}

/** A model's gradient path contains ops that the active backend (or tfjs-core) cannot differentiate. */
export class UnsupportedGradientError extends NetlensError {
  readonly backend: string;
  readonly gaps: readonly GradientGap[];
  /** Backends registered in this process that can run every gradient the model needs. */
  readonly workingBackends: readonly string[];

  constructor(backend: string, gaps: readonly GradientGap[], workingBackends: readonly string[]) {
    const list = gaps.map((gap) => `${gap.op} (${gap.reason})`).join('; ');
    const advice =
      workingBackends.length > 0
        ? ` Backends that can: ${workingBackends.join(', ')}.`
        : ' No registered backend can differentiate it.';
    super('UNSUPPORTED_GRADIENT', `Cannot compute gradients on backend '${backend}': ${list}.${advice}`);
    this.name = 'UnsupportedGradientError';
    this.backend = backend;
    this.gaps = gaps;
    this.workingBackends = workingBackends;
  }
}
