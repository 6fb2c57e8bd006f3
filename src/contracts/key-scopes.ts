/**
 * What an API key may do; each scope includes the ones before it. Kept free of imports so the
 * store and the browser bundle can use it.
 */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
