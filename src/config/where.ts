// One shape for every configuration error: "file:line:col: key: problem",
// with the same facts in `details` for --json and library callers.
import { RpmkitError, type ErrorCode } from '../errors.js';

export interface Loc {
  file: string;
  line?: number;
  column?: number;
}

export function configError(loc: Loc, key: string | undefined, message: string, hint?: string, code: ErrorCode = 'CONFIG_INVALID', cause?: unknown): RpmkitError {
  const pos = loc.line ? `:${loc.line}${loc.column ? `:${loc.column}` : ''}` : '';
  const k = key ? `${key}: ` : '';
  return new RpmkitError(code, `${loc.file}${pos}: ${k}${message}`, {
    hint,
    cause,
    details: { file: loc.file, ...(loc.line ? { line: loc.line } : {}), ...(loc.column ? { column: loc.column } : {}), ...(key ? { key } : {}) },
  });
}
