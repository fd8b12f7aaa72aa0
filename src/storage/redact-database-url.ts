/** A database URL for messages and logs: everything but its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Unparsable: any part of it might be the password.
    return 'postgres';
  }
}
