// The database could not be reached in time (pool exhausted past its connect timeout, server down or
// restarting). Routes answer 503 so callers retry; nothing waits forever.
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "DatabaseUnavailableError";
  }
}

// node-postgres and PostgreSQL's own words for "not reachable right now": connect timeout, refused or
// reset connections, and the server's admin-shutdown / starting-up / cannot-connect-now states.
const UNAVAILABLE =
  /timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|Connection terminated|connection (?:is )?(?:closed|terminated)|the database system is (?:starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Can't reach database server|57P0[123]/i;

/** True for errors that mean "the database is unreachable", wherever in the cause chain they sit. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const { message, code } = current as { message?: unknown; code?: unknown };
    if (typeof message === "string" && UNAVAILABLE.test(message)) return true;
    if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|57P0[123]|08\d{3})$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
