import type { Readable } from "node:stream";
import { socketErrorReason } from "../../jobs/http/socket-errors.js";

/** A low-cardinality reason for an error thrown by undici while sending or streaming. */
export function transportReason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "timeout";
    case "UND_ERR_SOCKET":
    case "ECONNRESET":
    case "EPIPE":
      return "connection_reset";
    default: {
      if (typeof code === "string" && code.startsWith("UND_ERR")) return "protocol_error";
      const reason = socketErrorReason(error);
      const cause = (error as { cause?: unknown } | undefined)?.cause;
      return reason === "socket_error" && cause !== undefined ? socketErrorReason(cause) : reason;
    }
  }
}

/** Up to `maxBytes` of a body as text; the rest is not read (the connection is dropped). */
export async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer.subarray(0, maxBytes - size));
      size += buffer.length;
      if (size >= maxBytes) break;
    }
  } catch {
    // The status already tells what went wrong; a body cut short adds nothing.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The useful part of an error body: TinyFish's `{"error":{"code","message"}}`, or the common
 * `{"message"}`/`{"detail"}` shapes, else the text itself; one line, at most `maxLength` characters.
 */
export function errorBodyMessage(text: string, maxLength = 300): string {
  let message = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = json.error as Record<string, unknown> | string | undefined;
    const candidates = [
      typeof error === "object" && error !== null ? error.message : error,
      typeof error === "object" && error !== null ? error.code : undefined,
      json.message,
      json.detail,
    ];
    const found = candidates.find((c): c is string => typeof c === "string" && c !== "");
    if (found) message = found;
  } catch {
    // Not JSON: keep the text.
  }
  const line = message.replace(/\s+/g, " ").trim();
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}
