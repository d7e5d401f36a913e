// Client-facing errors: every bad input becomes a 4xx with a stable code and, when one field is
// at fault, its name.
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (code: string, message: string, field?: string) => new ApiError(400, code, message, field);
export const notFound = (what: string, field?: string) => new ApiError(404, 'not_found', field ? `${what} not found (check ${field})` : `${what} not found`, field);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const conflict = (code: string, message: string, field?: string) => new ApiError(409, code, message, field);
