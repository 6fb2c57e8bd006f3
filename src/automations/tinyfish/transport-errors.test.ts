import { describe, expect, it } from "vitest";
import { errorBodyMessage, transportReason } from "./transport-errors.js";

const coded = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe("transportReason", () => {
  it.each([
    [coded("UND_ERR_HEADERS_TIMEOUT"), "timeout"],
    [coded("UND_ERR_BODY_TIMEOUT"), "timeout"],
    [coded("UND_ERR_CONNECT_TIMEOUT"), "timeout"],
    [coded("UND_ERR_SOCKET"), "connection_reset"],
    [coded("ECONNRESET"), "connection_reset"],
    [coded("ECONNREFUSED"), "connect_refused"],
    [coded("ENOTFOUND"), "dns_error"],
    [coded("UND_ERR_INVALID_ARG"), "protocol_error"],
    [new TypeError("fetch failed", { cause: coded("ECONNREFUSED") }), "connect_refused"],
    [coded("ERR_TLS_CERT_ALTNAME_INVALID"), "tls_error"],
    [new Error("something else"), "socket_error"],
  ])("maps %s to %s", (error, reason) => {
    expect(transportReason(error)).toBe(reason);
  });
});

describe("errorBodyMessage", () => {
  it.each([
    ['{"error":{"code":"INVALID_API_KEY","message":"Invalid API key"}}', "Invalid API key"],
    ['{"error":{"code":"RATE_LIMIT_EXCEEDED"}}', "RATE_LIMIT_EXCEEDED"],
    ['{"error":"Bad gateway"}', "Bad gateway"],
    ['{"detail":"Not authenticated"}', "Not authenticated"],
    ['{"message":"Too many requests"}', "Too many requests"],
    ["<html>\n  <body>502 Bad Gateway</body>\n</html>", "<html> <body>502 Bad Gateway</body> </html>"],
    ["", ""],
  ])("takes the message of %j", (body, message) => {
    expect(errorBodyMessage(body)).toBe(message);
  });

  it("shortens a long body", () => {
    expect(errorBodyMessage("x".repeat(1000), 10)).toBe(`${"x".repeat(10)}…`);
  });
});
