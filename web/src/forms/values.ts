/** Form text → API values: blank fields are left out, so the API's defaults apply. */
export function optionalNumber(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  // Not a number: sent as written, so the API names the field and the rule.
  return Number.isNaN(value) ? (text as unknown as number) : value;
}

/** A comma- or newline-separated list. */
export function list(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A JSON object typed into a text area; `undefined` when blank. Throws a readable error. */
export function jsonObject(text: string, what: string): Record<string, unknown> | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

export const text = (value: unknown): string => (value === undefined || value === null ? "" : String(value));

/** Drops undefined entries (the API's schemas are strict about unknown keys, not missing ones). */
export function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}
