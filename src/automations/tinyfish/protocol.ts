/*
 * The TinyFish web-agent "run with SSE" protocol, as far as public sources describe it.
 *
 * Request: `POST {base}/v1/automation/run-sse`, header `X-API-Key`, JSON body with `url` (required,
 * http(s) URI), `goal` (required, min length 1) and optional `browser_profile` (`lite` | `stealth`),
 * `proxy_config`, `output_schema` (a JSON Schema subset), `agent_config` (`mode`, `max_steps`,
 * `max_duration_seconds`, …) and a few more we do not send.
 *
 * Response: `text/event-stream` of *data-only* events — no `event:` line — each `data:` a JSON
 * object whose `type` is STARTED | STREAMING_URL | PROGRESS | HEARTBEAT | COMPLETE:
 *   data: {"type":"STARTED","run_id":"run_123","timestamp":"2025-01-01T00:00:00Z"}
 *   data: {"type":"STREAMING_URL","run_id":"run_123","streaming_url":"https://…","timestamp":"…"}
 *   data: {"type":"PROGRESS","run_id":"run_123","purpose":"Clicking submit button","timestamp":"…"}
 *   data: {"type":"HEARTBEAT","timestamp":"…"}
 *   data: {"type":"COMPLETE","run_id":"run_123","status":"COMPLETED","result":{…},"timestamp":"…"}
 * COMPLETE.status is COMPLETED | FAILED | CANCELLED; `error` is a string (or null) on failure.
 * Errors before the stream are JSON `{"error":{"code":"INVALID_API_KEY","message":"…"}}` with codes
 * MISSING_API_KEY, INVALID_API_KEY (401), FORBIDDEN (403), INVALID_INPUT (400),
 * RATE_LIMIT_EXCEEDED (429), INTERNAL_ERROR (5xx).
 *
 * Sources (read 2026):
 * - docs.tinyfish.ai/api-reference/automation/run-browser-automation-with-sse-streaming and
 *   docs.tinyfish.ai/agent-api (the example stream above: snake_case `run_id`, `streaming_url`,
 *   `result`; request fields incl. `output_schema`, `agent_config`).
 * - docs.tinyfish.ai/agent-api/reference: the /run response carries `num_of_steps`, `started_at`,
 *   `finished_at`; the run statuses PENDING | RUNNING | COMPLETED | FAILED | CANCELLED.
 * - github.com/tinyfish-io/agent-sdk-python, types/agent_run_with_sse_response.py (generated
 *   from an earlier OpenAPI spec): the same five events with camelCase `runId`, `streamingUrl`,
 *   `resultJson`, `error: str | None`, HEARTBEAT = {type, timestamp}, PROGRESS = {purpose, …}.
 * - github.com/tinyfish-io/tinyfish-web-agent-integrations, n8n/nodes/Tinyfish/GenericFunctions.ts
 *   (TinyFish's own n8n node): reads `type` from the data JSON and accepts both spellings
 *   (`run_id`/`runId`, `streaming_url`/`streamingUrl`, `result`/`resultJson`); its error-code table.
 * - docs.litellm.ai/docs/pass_through/tinyfish: COMPLETED runs cost `num_of_steps` × $0.016.
 *
 * What we chose where nothing is documented:
 * - The event type comes from the data's `type`; the SSE `event:` field is the fallback when
 *   `type` is absent. Events of an unknown type are counted and ignored (forward compatibility).
 * - Both spellings of every field are accepted; snake_case wins when both are present.
 * - No source shows `num_of_steps` on the COMPLETE event; when present (either spelling) it is the
 *   step count, otherwise the PROGRESS events are counted (one per agent step, per the docs).
 * - `error` may be a string or an `{code, message}` object; it is reduced to a string.
 * - `resultJson` given as a string is parsed as JSON (its name promises JSON); `result` is kept.
 */
import { z } from "zod";

export const TINYFISH_BASE_URL = "https://agent.tinyfish.ai";
export const RUN_SSE_PATH = "/v1/automation/run-sse";
/** TinyFish's published price per agent step, in dollars. */
export const DEFAULT_COST_PER_STEP = 0.016;

export const tinyFishRequestSchema = z.strictObject({
  url: z.string().refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    message: "must be an absolute http:// or https:// URL",
  }),
  goal: z.string().min(1).max(20_000),
  browser_profile: z.enum(["lite", "stealth"]).optional(),
  output_schema: z.record(z.string(), z.unknown()).optional(),
  /** Passed through: `mode`, `max_steps`, `max_duration_seconds`… are the service's to validate. */
  agent_config: z.record(z.string(), z.unknown()).optional(),
});
export type TinyFishRequest = z.infer<typeof tinyFishRequestSchema>;

export const TINYFISH_STATUSES = ["COMPLETED", "FAILED", "CANCELLED"] as const;
export type TinyFishStatus = (typeof TINYFISH_STATUSES)[number];

export const TINYFISH_EVENT_TYPES = [
  "STARTED",
  "STREAMING_URL",
  "PROGRESS",
  "HEARTBEAT",
  "COMPLETE",
] as const;
export type TinyFishEventType = (typeof TINYFISH_EVENT_TYPES)[number];

/** An event as Aurea sees it, whichever spelling the service used. */
export type TinyFishEvent =
  | { type: "STARTED"; runId: string | null; timestamp: string | null }
  | { type: "STREAMING_URL"; runId: string | null; streamingUrl: string; timestamp: string | null }
  | { type: "PROGRESS"; runId: string | null; purpose: string | null; timestamp: string | null }
  | { type: "HEARTBEAT"; timestamp: string | null }
  | {
      type: "COMPLETE";
      runId: string | null;
      status: TinyFishStatus;
      result: unknown;
      error: string | null;
      steps: number | null;
      timestamp: string | null;
    };

const optionalText = z.string().nullish();
const base = {
  run_id: optionalText,
  runId: optionalText,
  timestamp: optionalText,
};
const runId = (d: { run_id?: string | null | undefined; runId?: string | null | undefined }) =>
  d.run_id ?? d.runId ?? null;

const MAX_ERROR_LENGTH = 500;
const errorText = z
  .union([z.string(), z.looseObject({ message: z.string().optional(), code: z.string().optional() })])
  .nullish()
  .transform((e): string | null => {
    if (e === null || e === undefined) return null;
    const text = typeof e === "string" ? e : (e.message ?? e.code ?? JSON.stringify(e));
    return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
  });
const steps = z.number().int().nonnegative().nullish();

const eventData = {
  STARTED: z
    .looseObject(base)
    .transform((d): TinyFishEvent => ({ type: "STARTED", runId: runId(d), timestamp: d.timestamp ?? null })),
  STREAMING_URL: z
    .looseObject({ ...base, streaming_url: optionalText, streamingUrl: optionalText })
    .refine((d) => typeof (d.streaming_url ?? d.streamingUrl) === "string", {
      message: "streaming_url is required",
    })
    .transform(
      (d): TinyFishEvent => ({
        type: "STREAMING_URL",
        runId: runId(d),
        streamingUrl: (d.streaming_url ?? d.streamingUrl)!,
        timestamp: d.timestamp ?? null,
      }),
    ),
  PROGRESS: z.looseObject({ ...base, purpose: optionalText }).transform(
    (d): TinyFishEvent => ({
      type: "PROGRESS",
      runId: runId(d),
      purpose: d.purpose ?? null,
      timestamp: d.timestamp ?? null,
    }),
  ),
  HEARTBEAT: z
    .looseObject({ timestamp: optionalText })
    .transform((d): TinyFishEvent => ({ type: "HEARTBEAT", timestamp: d.timestamp ?? null })),
  COMPLETE: z
    .looseObject({
      ...base,
      status: z.enum(TINYFISH_STATUSES),
      result: z.unknown().optional(),
      resultJson: z.unknown().optional(),
      error: errorText,
      num_of_steps: steps,
      numOfSteps: steps,
    })
    .transform(
      (d): TinyFishEvent => ({
        type: "COMPLETE",
        runId: runId(d),
        status: d.status,
        result: d.result ?? parseJsonText(d.resultJson) ?? null,
        error: d.error,
        steps: d.num_of_steps ?? d.numOfSteps ?? null,
        timestamp: d.timestamp ?? null,
      }),
    ),
} satisfies Record<TinyFishEventType, z.ZodType<TinyFishEvent, unknown>>;

function parseJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** What one SSE message meant: a known event, an unknown type to skip, or a protocol violation. */
export type DecodedEvent =
  | { kind: "event"; event: TinyFishEvent }
  | { kind: "unknown"; type: string | null }
  | { kind: "invalid"; problem: string };

const isKnownType = (type: string): type is TinyFishEventType =>
  (TINYFISH_EVENT_TYPES as readonly string[]).includes(type);

/** Interprets one SSE message (its `event:` field and its `data:` text). */
export function decodeEvent(sseEvent: string, data: string): DecodedEvent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { kind: "invalid", problem: "event data is not JSON" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { kind: "invalid", problem: "event data is not a JSON object" };
  }
  const declared = (json as { type?: unknown }).type;
  const type = typeof declared === "string" ? declared : sseEvent !== "message" ? sseEvent : null;
  if (type === null || !isKnownType(type)) return { kind: "unknown", type };
  const parsed = eventData[type].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: "invalid",
      problem: `${type} event: ${issue ? `${issue.path.join(".") || "(root)"} ${issue.message}` : "invalid"}`,
    };
  }
  return { kind: "event", event: parsed.data };
}

/** How a run ended, as Aurea counts it. */
export const RUN_OUTCOMES = ["succeeded", "transport_error", "provider_failed", "assertion_failed"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/**
 * Maps the final state of a run to its outcome: no COMPLETE event (whatever the cause) is a
 * transport error; FAILED and CANCELLED are the provider's failures; COMPLETED only succeeds when
 * the result passes the success assertion — COMPLETED means the infrastructure worked, not that
 * the goal was met.
 */
export function runOutcome(status: TinyFishStatus | null, assertionPassed: boolean): RunOutcome {
  if (status === null) return "transport_error";
  if (status !== "COMPLETED") return "provider_failed";
  return assertionPassed ? "succeeded" : "assertion_failed";
}
