// What the domain says when it cannot take an input: a kind, a stable code, a message and, when
// one field is at fault, its name. The HTTP layer maps the kind to a status (api/errors.ts).

export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unprocessable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The input is malformed or out of range. */
export const invalid = (code: string, message: string, field?: string) => new DomainError('invalid', code, message, field);
export const notFound = (what: string, field?: string) => new DomainError('not_found', 'not_found', field ? `${what} not found (check ${field})` : `${what} not found`, field);
/** Well formed, but it contradicts what the same request said before (a reused idempotency key). */
export const unprocessable = (code: string, message: string, field?: string) => new DomainError('unprocessable', code, message, field);
/** The input is well formed but the current state forbids it (no default provider, opted out…). */
export const conflict = (code: string, message: string, field?: string) => new DomainError('conflict', code, message, field);
