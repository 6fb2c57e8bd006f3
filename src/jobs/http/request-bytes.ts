import type { HttpJobSpec } from "../../engine/index.js";

const USER_AGENT = "aurea";

/**
 * Serializes the request once, so that each job writes the same bytes: the request line, Host,
 * User-Agent, the spec's headers (which may override those two) and a Content-Length for the
 * body.
 */
export function requestBytes(spec: Pick<HttpJobSpec, "url" | "method" | "headers" | "body">): Buffer {
  const url = new URL(spec.url);
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  set("Host", url.host);
  set("User-Agent", USER_AGENT);
  for (const [name, value] of Object.entries(spec.headers)) {
    if (/[\r\n]/.test(value)) throw new TypeError(`header ${name} contains a line break`);
    set(name, value);
  }
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  if (body) set("Content-Length", String(body.length));
  const head = [`${spec.method} ${url.pathname}${url.search} HTTP/1.1`];
  for (const [name, value] of headers.values()) head.push(`${name}: ${value}`);
  const bytes = Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1");
  return body ? Buffer.concat([bytes, body]) : bytes;
}
