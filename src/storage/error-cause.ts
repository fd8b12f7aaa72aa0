/**
 * An error's own words, never empty: Node gives a refused connection to `localhost` (tried on ::1 and
 * 127.0.0.1) as an AggregateError with no message, only its parts.
 */
export function errorCause(error: unknown): string {
  const { message, code, errors } = (error ?? {}) as { message?: unknown; code?: unknown; errors?: unknown };
  if (typeof message === 'string' && message.trim() !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) return [...new Set(errors.map(errorCause))].join('; ');
  if (typeof code === 'string') return code;
  return String(error);
}
