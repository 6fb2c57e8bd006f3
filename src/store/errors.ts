/** SQLSTATE of a PostgreSQL error, whether the driver's error or one Drizzle wrapped. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = "23505";

/** A row still referenced elsewhere (PostgreSQL 15 reports 23503; newer servers may say 23001). */
export function isStillReferenced(error: unknown): boolean {
  const state = sqlState(error);
  return state === "23503" || state === "23001";
}

/** Socket errors of a database that went away or cannot be reached. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);
/** Messages node-postgres gives a lost or unobtainable connection (it sets no code on them). */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|the database system is (starting up|shutting down)/i;

/**
 * Whether an error means the store is unreachable right now (rather than that the query was
 * wrong): connection refused, reset or lost, the server shutting down or starting up (SQLSTATE
 * class 08, 57P01–57P03). Such a request is answered 503 and may be retried.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)) return true;
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && CONNECTION_MESSAGES.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
