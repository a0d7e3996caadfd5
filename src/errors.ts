// The one error type rpmkit throws across stages. Codes are a stable
// contract (scripts match on them); exit codes follow DESIGN.md.

export const EXIT = {
  generic: 1,
  usage: 2,
  stale: 3,
  unsatisfiable: 4,
  network: 5,
  integrity: 6,
  internal: 70,
} as const;

/** Stable error codes, grouped by the exit code they map to. */
const CODES = {
  // 1: generic failures that are the environment's, not the input's
  IO_ERROR: EXIT.generic,
  NOT_FOUND: EXIT.generic,
  FILE_CONFLICT: EXIT.generic,
  UNSAFE_PATH: EXIT.generic,
  LOCKED_PACKAGE_MISSING: EXIT.generic,
  // 2: usage and configuration
  USAGE: EXIT.usage,
  CONFIG_NOT_FOUND: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  REPO_UNKNOWN: EXIT.usage,
  PACKAGE_SPEC_INVALID: EXIT.usage,
  LOCK_INVALID: EXIT.usage,
  // 3: the lock does not match the inputs
  LOCK_STALE: EXIT.stale,
  LOCK_MISSING: EXIT.stale,
  // 4: the request cannot be satisfied
  UNSATISFIABLE: EXIT.unsatisfiable,
  NO_MATCH: EXIT.unsatisfiable,
  // 5: network
  NETWORK: EXIT.network,
  HTTP_STATUS: EXIT.network,
  REDIRECT_LOOP: EXIT.network,
  AUTH_FAILED: EXIT.network,
  REGISTRY: EXIT.network,
  // 6: integrity and signatures
  CHECKSUM_MISMATCH: EXIT.integrity,
  SIZE_MISMATCH: EXIT.integrity,
  METADATA_INVALID: EXIT.integrity,
  METADATA_UNSUPPORTED: EXIT.integrity,
  SIGNATURE_INVALID: EXIT.integrity,
  SIGNATURE_MISSING: EXIT.integrity,
  KEY_INVALID: EXIT.integrity,
  RPM_INVALID: EXIT.integrity,
  RPM_UNSUPPORTED: EXIT.integrity,
  PAYLOAD_INVALID: EXIT.integrity,
  IMAGE_INVALID: EXIT.integrity,
  // 70: a bug in rpmkit
  INTERNAL: EXIT.internal,
} as const;

export type ErrorCode = keyof typeof CODES;

export interface RpmkitErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured detail for --json output and library callers. */
  details?: Record<string, unknown>;
}

export class RpmkitError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly exitCode: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: RpmkitErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RpmkitError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = CODES[code];
    this.details = opts.details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isRpmkitError(e: unknown): e is RpmkitError {
  return e instanceof RpmkitError;
}
