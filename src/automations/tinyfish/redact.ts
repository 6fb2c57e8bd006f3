const REDACTED = "[redacted]";

/**
 * A copy of a JSON-like value with every occurrence of `secret` (in strings and in object keys)
 * replaced — so a service that echoes the API key cannot make it reach a result, a log or a store.
 */
export function redactSecret<T>(value: T, secret: string): T {
  if (secret === "") return value;
  const text = (s: string) => (s.includes(secret) ? s.replaceAll(secret, REDACTED) : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      // fromEntries defines own properties, so a "__proto__" key stays data.
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
