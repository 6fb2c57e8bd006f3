import { describe, expect, it } from "vitest";
import { type DecodedEvent, decodeEvent, runOutcome, tinyFishRequestSchema } from "./protocol.js";

const ts = "2025-01-01T00:00:00Z";

describe("decodeEvent", () => {
  it.each<[string, string, string, DecodedEvent]>([
    [
      "STARTED as documented",
      "message",
      `{"type":"STARTED","run_id":"run_1","timestamp":"${ts}"}`,
      { kind: "event", event: { type: "STARTED", runId: "run_1", timestamp: ts } },
    ],
    [
      "STARTED in the earlier camelCase spelling",
      "message",
      '{"type":"STARTED","runId":"run_1"}',
      { kind: "event", event: { type: "STARTED", runId: "run_1", timestamp: null } },
    ],
    [
      "STREAMING_URL with streaming_url",
      "message",
      '{"type":"STREAMING_URL","run_id":"r","streaming_url":"https://s/1"}',
      {
        kind: "event",
        event: { type: "STREAMING_URL", runId: "r", streamingUrl: "https://s/1", timestamp: null },
      },
    ],
    [
      "STREAMING_URL with streamingUrl",
      "message",
      '{"type":"STREAMING_URL","runId":"r","streamingUrl":"https://s/2"}',
      {
        kind: "event",
        event: { type: "STREAMING_URL", runId: "r", streamingUrl: "https://s/2", timestamp: null },
      },
    ],
    [
      "PROGRESS with its purpose",
      "message",
      '{"type":"PROGRESS","run_id":"r","purpose":"Clicking submit button"}',
      {
        kind: "event",
        event: { type: "PROGRESS", runId: "r", purpose: "Clicking submit button", timestamp: null },
      },
    ],
    [
      "HEARTBEAT",
      "message",
      `{"type":"HEARTBEAT","timestamp":"${ts}"}`,
      { kind: "event", event: { type: "HEARTBEAT", timestamp: ts } },
    ],
    [
      "COMPLETE with result and num_of_steps",
      "message",
      '{"type":"COMPLETE","run_id":"r","status":"COMPLETED","result":{"a":1},"num_of_steps":4}',
      {
        kind: "event",
        event: {
          type: "COMPLETE",
          runId: "r",
          status: "COMPLETED",
          result: { a: 1 },
          error: null,
          steps: 4,
          timestamp: null,
        },
      },
    ],
    [
      "COMPLETE with resultJson given as JSON text",
      "message",
      '{"type":"COMPLETE","runId":"r","status":"COMPLETED","resultJson":"{\\"a\\":[1]}"}',
      {
        kind: "event",
        event: {
          type: "COMPLETE",
          runId: "r",
          status: "COMPLETED",
          result: { a: [1] },
          error: null,
          steps: null,
          timestamp: null,
        },
      },
    ],
    [
      "COMPLETE FAILED with an error object",
      "message",
      '{"type":"COMPLETE","run_id":"r","status":"FAILED","error":{"code":"X","message":"Site down"}}',
      {
        kind: "event",
        event: {
          type: "COMPLETE",
          runId: "r",
          status: "FAILED",
          result: null,
          error: "Site down",
          steps: null,
          timestamp: null,
        },
      },
    ],
    [
      "the type from the SSE event field when the data has none",
      "PROGRESS",
      '{"purpose":"p"}',
      { kind: "event", event: { type: "PROGRESS", runId: null, purpose: "p", timestamp: null } },
    ],
    [
      "the data's type over the SSE event field",
      "PROGRESS",
      '{"type":"HEARTBEAT"}',
      { kind: "event", event: { type: "HEARTBEAT", timestamp: null } },
    ],
    [
      "an unknown type as unknown",
      "message",
      '{"type":"SCREENSHOT"}',
      { kind: "unknown", type: "SCREENSHOT" },
    ],
    ["an untyped data-only event as unknown", "message", '{"purpose":"p"}', { kind: "unknown", type: null }],
    [
      "data that is not JSON as invalid",
      "message",
      "{oops",
      { kind: "invalid", problem: "event data is not JSON" },
    ],
    [
      "a JSON array as invalid",
      "message",
      "[1]",
      { kind: "invalid", problem: "event data is not a JSON object" },
    ],
    [
      "a COMPLETE with an unknown status as invalid",
      "message",
      '{"type":"COMPLETE","status":"DONE"}',
      { kind: "invalid", problem: expect.stringMatching(/^COMPLETE event: status /) as unknown as string },
    ],
    [
      "a STREAMING_URL without its URL as invalid",
      "message",
      '{"type":"STREAMING_URL","run_id":"r"}',
      { kind: "invalid", problem: "STREAMING_URL event: (root) streaming_url is required" },
    ],
    [
      "a negative num_of_steps as invalid",
      "message",
      '{"type":"COMPLETE","status":"COMPLETED","num_of_steps":-1}',
      {
        kind: "invalid",
        problem: expect.stringMatching(/^COMPLETE event: num_of_steps /) as unknown as string,
      },
    ],
  ])("decodes %s", (_name, sseEvent, data, expected) => {
    expect(decodeEvent(sseEvent, data)).toEqual(expected);
  });

  it("shortens a very long provider error", () => {
    const decoded = decodeEvent(
      "message",
      JSON.stringify({ type: "COMPLETE", status: "FAILED", error: "x".repeat(2000) }),
    );
    expect(decoded.kind === "event" && decoded.event.type === "COMPLETE" && decoded.event.error?.length).toBe(
      501,
    );
  });
});

describe("runOutcome", () => {
  it.each([
    [null, true, "transport_error"],
    [null, false, "transport_error"],
    ["FAILED", true, "provider_failed"],
    ["CANCELLED", false, "provider_failed"],
    ["COMPLETED", false, "assertion_failed"],
    ["COMPLETED", true, "succeeded"],
  ] as const)("maps status %s with assertion passed=%s to %s", (status, passed, outcome) => {
    expect(runOutcome(status, passed)).toBe(outcome);
  });
});

describe("tinyFishRequestSchema", () => {
  it.each([
    [{ url: "https://example.com", goal: "Find the price" }, true],
    [
      {
        url: "http://example.com/a?b=1",
        goal: "g",
        browser_profile: "stealth",
        agent_config: { max_steps: 5 },
      },
      true,
    ],
    [{ url: "https://example.com", goal: "g", output_schema: { type: "object" } }, true],
    [{ url: "ftp://example.com", goal: "g" }, false],
    [{ url: "example.com", goal: "g" }, false],
    [{ url: "https://example.com", goal: "" }, false],
    [{ url: "https://example.com", goal: "g", browser_profile: "fast" }, false],
    [{ url: "https://example.com", goal: "g", extra: 1 }, false],
  ])("validates %j as %s", (input, valid) => {
    expect(tinyFishRequestSchema.safeParse(input).success).toBe(valid);
  });
});
