import { ApiError } from "../../errors.js";

/** Opaque page cursors: base64url of `[sortValue, id]`. */
export function encodeCursor(position: { value: number; id: number }): string {
  return Buffer.from(JSON.stringify([position.value, position.id])).toString("base64url");
}

export function decodeCursor(cursor: string): { value: number; id: number } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "number" &&
      Number.isFinite(parsed[0]) &&
      Number.isSafeInteger(parsed[1])
    ) {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch {
    // Reported below.
  }
  throw new ApiError(400, "validation_error", "querystring is invalid", [
    {
      field: "cursor",
      rule: "invalid_cursor",
      message: "is not a cursor this API returned (use next_cursor as given)",
    },
  ]);
}
