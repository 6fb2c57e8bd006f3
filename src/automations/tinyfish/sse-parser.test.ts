import { describe, expect, it } from "vitest";
import { SseEventTooLargeError, type SseMessage, SseParser } from "./sse-parser.js";

const encode = (text: string) => new TextEncoder().encode(text);

function parseChunks(chunks: readonly Uint8Array[]): SseMessage[] {
  const parser = new SseParser();
  const out = chunks.flatMap((chunk) => parser.push(chunk));
  parser.end();
  return out;
}

const msg = (data: string, event = "message", id = ""): SseMessage => ({ event, data, id });

const cases: [name: string, stream: string, expected: SseMessage[]][] = [
  ["a data-only event", "data: hello\n\n", [msg("hello")]],
  ["the event field as the type", "event: PROGRESS\ndata: {}\n\n", [msg("{}", "PROGRESS")]],
  ["multi-line data joined with LF", "data: a\ndata: b\ndata:c\n\n", [msg("a\nb\nc")]],
  ["only one leading space removed from a value", "data:  two spaces\n\n", [msg(" two spaces")]],
  ["a field with no colon as an empty value", "data\n\n", [msg("")]],
  ["an empty data line dispatches an empty string", "data:\n\n", [msg("")]],
  ["two empty data lines join to a single LF", "data:\ndata:\n\n", [msg("\n")]],
  ["comments ignored", ": keep-alive\ndata: x\n: another\n\n", [msg("x")]],
  ["a block without data not dispatched", "event: HEARTBEAT\n\ndata: y\n\n", [msg("y")]],
  ["the event type reset after each dispatch", "event: A\ndata: 1\n\ndata: 2\n\n", [msg("1", "A"), msg("2")]],
  ["CRLF line endings", "event: E\r\ndata: v\r\n\r\n", [msg("v", "E")]],
  ["CR line endings", "event: E\rdata: v\r\r", [msg("v", "E")]],
  ["mixed line endings", "data: a\r\ndata: b\rdata: c\n\r\n", [msg("a\nb\nc")]],
  [
    "the id carried over to later events",
    "id: 7\ndata: a\n\ndata: b\n\n",
    [msg("a", "message", "7"), msg("b", "message", "7")],
  ],
  [
    "an id containing NUL ignored",
    "id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n",
    [msg("a", "message", "1"), msg("b", "message", "1")],
  ],
  [
    "an empty id resets the last event id",
    "id: 1\ndata: a\n\nid\ndata: b\n\n",
    [msg("a", "message", "1"), msg("b")],
  ],
  ["unknown fields ignored", "foo: bar\ndata: z\n\n", [msg("z")]],
  ["a field name is case-sensitive", "Data: no\ndata: yes\n\n", [msg("yes")]],
  ["an incomplete final event discarded", "data: done\n\ndata: partial\n", [msg("done")]],
  ["a final event without any line end discarded", "data: done\n\ndata: partial", [msg("done")]],
  ["multi-byte UTF-8 data", "data: prix 63 € — 日本 🐟\n\n", [msg("prix 63 € — 日本 🐟")]],
  ["a leading byte-order mark stripped", "\uFEFFdata: bom\n\n", [msg("bom")]],
  ["colons after the first kept in the value", 'data: {"a":"b:c"}\n\n', [msg('{"a":"b:c"}')]],
];

describe("SseParser", () => {
  it.each(cases)("parses %s", (_name, stream, expected) => {
    expect(parseChunks([encode(stream)])).toEqual(expected);
  });

  it.each(cases)(
    "parses %s identically when the bytes arrive split at every position",
    (_name, stream, expected) => {
      const bytes = encode(stream);
      for (let cut = 1; cut < bytes.length; cut++) {
        expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
      }
      expect(parseChunks([...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
    },
  );

  it("treats CR at the end of one chunk and LF at the start of the next as one line end", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\r")).toEqual([]);
    expect(parser.push("\n\r")).toEqual([msg("a")]);
    expect(parser.push("\ndata: b\r\r")).toEqual([msg("b")]);
  });

  it("keeps the last valid retry value and ignores non-digit ones", () => {
    const parser = new SseParser();
    parser.push("retry: 1500\n\n");
    expect(parser.retry).toBe(1500);
    parser.push("retry: 2s\nretry: -1\n\n");
    expect(parser.retry).toBe(1500);
  });

  it("reports whether the stream ended inside an event", () => {
    const complete = new SseParser();
    complete.push("data: x\n\n");
    expect(complete.end()).toEqual({ discardedPartialEvent: false });
    const cut = new SseParser();
    cut.push("data: x\n");
    expect(cut.end()).toEqual({ discardedPartialEvent: true });
  });

  it("replaces an invalid UTF-8 sequence instead of failing", () => {
    const parser = new SseParser();
    const events = parser.push(Uint8Array.of(...encode("data: a"), 0xff, ...encode("b\n\n")));
    expect(events).toEqual([msg("a\uFFFDb")]);
  });

  it("refuses a line longer than its limit", () => {
    const parser = new SseParser({ maxEventLength: 16 });
    expect(parser.push("data: 0123456789\n")).toEqual([]);
    expect(() => parser.push("data: 0123456789abcdef")).toThrow(SseEventTooLargeError);
  });

  it("refuses an event whose data lines add up past the limit", () => {
    const parser = new SseParser({ maxEventLength: 16 });
    expect(parser.push("data: 01234567\n")).toEqual([]);
    expect(() => parser.push("data: 01234567\n")).toThrow(SseEventTooLargeError);
  });
});
