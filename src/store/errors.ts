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
