import type { Readable } from "node:stream";
import { type Dispatcher, request } from "undici";
import type { AssertionCheck, AssertionChecker } from "./assertion.js";
import {
  DEFAULT_COST_PER_STEP,
  decodeEvent,
  RUN_SSE_PATH,
  type RunOutcome,
  runOutcome,
  TINYFISH_BASE_URL,
  type TinyFishEvent,
  type TinyFishEventType,
  type TinyFishRequest,
  type TinyFishStatus,
} from "./protocol.js";
import { redactSecret } from "./redact.js";
import { SseEventTooLargeError, SseParser } from "./sse-parser.js";
import { errorBodyMessage, readCapped, transportReason } from "./transport-errors.js";

export interface TinyFishRunOptions {
  apiKey: string;
  /** The whole run, from sending the request to the COMPLETE event. */
  timeoutMs: number;
  baseUrl?: string;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Dollars per agent step. */
  costPerStep?: number;
  /** Each event as it arrives (the API key already redacted). */
  onEvent?: (event: TinyFishEvent) => void;
  /** Decides whether a COMPLETED result met the goal; without it, COMPLETED succeeds. */
  assertion?: AssertionChecker;
}

export type TinyFishEventCounts = Record<TinyFishEventType | "UNKNOWN", number>;

export interface TinyFishRunResult {
  outcome: RunOutcome;
  /**
   * Low-cardinality cause, null on success: for `transport_error` one of `timeout`, `cancelled`,
   * `http_<status>`, `bad_content_type`, `stream_ended`, `bad_event`, `connect_refused`,
   * `connection_reset`, `dns_error`, `tls_error`…; `failed` or `cancelled` for `provider_failed`;
   * `assertion` for `assertion_failed`.
   */
  reason: string | null;
  status: TinyFishStatus | null;
  /** The COMPLETE event's `result` (or `resultJson`). */
  result: unknown;
  /** The provider's error, or what went wrong in transport; short, never containing the API key. */
  error: string | null;
  /** Why the assertion failed (capped), empty otherwise. */
  assertionFailures: string[];
  /** The COMPLETE event's `num_of_steps` when given, else the PROGRESS events seen. */
  steps: number;
  /** steps × costPerStep, in dollars. */
  cost: number;
  streamingUrl: string | null;
  runId: string | null;
  events: TinyFishEventCounts;
  durationMs: number;
  /** The response status, null when no response arrived. */
  httpStatus: number | null;
}

const MAX_ERROR_BODY_BYTES = 4096;
const TIMED_OUT = Symbol("timeout");
const CANCELLED = Symbol("cancelled");

/** Marks an exception thrown by the caller's `onEvent`, which is a bug to surface, not a transport error. */
class ListenerError {
  constructor(readonly error: unknown) {}
}

interface RunState {
  httpStatus: number | null;
  runId: string | null;
  streamingUrl: string | null;
  progress: number;
  events: TinyFishEventCounts;
  complete: Extract<TinyFishEvent, { type: "COMPLETE" }> | null;
}

type Failure = { reason: string; error: string };

/**
 * Runs one TinyFish automation over `run-sse` and reports how it ended. Expected failures —
 * the network, the service, a failed or cancelled run, an unmet assertion — are values; only
 * bugs (an `onEvent` that throws) reject.
 */
export async function runTinyFish(
  request: TinyFishRequest,
  options: TinyFishRunOptions,
): Promise<TinyFishRunResult> {
  const started = performance.now();
  const state: RunState = {
    httpStatus: null,
    runId: null,
    streamingUrl: null,
    progress: 0,
    events: { STARTED: 0, STREAMING_URL: 0, PROGRESS: 0, HEARTBEAT: 0, COMPLETE: 0, UNKNOWN: 0 },
    complete: null,
  };
  const report = (failure: Failure | null) =>
    redactSecret(summarize(state, failure, options, performance.now() - started), options.apiKey);

  if (options.signal?.aborted)
    return report({ reason: "cancelled", error: "cancelled before the request was sent" });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), options.timeoutMs);
  const cancel = () => controller.abort(CANCELLED);
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    return report(await exchange(request, options, controller.signal, state));
  } catch (error) {
    if (error instanceof ListenerError) throw error.error;
    if (state.complete) return report(null);
    if (controller.signal.aborted) {
      const timedOut = controller.signal.reason === TIMED_OUT;
      return report(
        timedOut
          ? { reason: "timeout", error: `no COMPLETE event within ${options.timeoutMs} ms` }
          : { reason: "cancelled", error: "cancelled" },
      );
    }
    const reason = transportReason(error);
    return report({ reason, error: error instanceof Error ? `${reason}: ${error.message}` : reason });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
}

/** Sends the request and reads the stream up to COMPLETE; returns the failure, if any. */
async function exchange(
  body: TinyFishRequest,
  options: TinyFishRunOptions,
  signal: AbortSignal,
  state: RunState,
): Promise<Failure | null> {
  const url = `${(options.baseUrl ?? TINYFISH_BASE_URL).replace(/\/+$/, "")}${RUN_SSE_PATH}`;
  const response = await request(url, {
    method: "POST",
    headers: {
      "x-api-key": options.apiKey,
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: JSON.stringify(body),
    signal,
    // Our own timer bounds the run; undici's must not fire first.
    headersTimeout: 0,
    bodyTimeout: 0,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  state.httpStatus = response.statusCode;
  const stream = response.body as unknown as Readable;
  if (response.statusCode < 200 || response.statusCode > 299) {
    const text = await readCapped(stream, MAX_ERROR_BODY_BYTES);
    const detail = errorBodyMessage(text);
    return {
      reason: `http_${response.statusCode}`,
      error: `HTTP ${response.statusCode}${detail ? `: ${detail}` : ""}`,
    };
  }
  const contentType = String(response.headers["content-type"] ?? "");
  if (!/^text\/event-stream\s*(;|$)/i.test(contentType)) {
    await readCapped(stream, MAX_ERROR_BODY_BYTES);
    return {
      reason: "bad_content_type",
      error: `expected text/event-stream, got ${contentType.slice(0, 100) || "no content type"}`,
    };
  }

  const parser = new SseParser();
  try {
    for await (const chunk of stream) {
      for (const message of parser.push(chunk as Buffer)) {
        // An abort from onEvent must win over events already buffered in this chunk.
        signal.throwIfAborted();
        const problem = handle(decodeEvent(message.event, message.data), state, options);
        if (problem !== null) return { reason: "bad_event", error: problem };
        // The run is over; what follows COMPLETE (if anything) is not ours to wait for.
        if (state.complete) return null;
      }
    }
  } catch (error) {
    if (error instanceof SseEventTooLargeError) return { reason: "bad_event", error: error.message };
    throw error;
  } finally {
    stream.destroy();
  }
  const { discardedPartialEvent } = parser.end();
  return {
    reason: "stream_ended",
    error: `the stream ended without a COMPLETE event${discardedPartialEvent ? " (inside an event)" : ""}`,
  };
}

function handle(
  decoded: ReturnType<typeof decodeEvent>,
  state: RunState,
  options: TinyFishRunOptions,
): string | null {
  if (decoded.kind === "invalid") return decoded.problem;
  if (decoded.kind === "unknown") {
    state.events.UNKNOWN++;
    return null;
  }
  const event = redactSecret(decoded.event, options.apiKey);
  state.events[event.type]++;
  if ("runId" in event && event.runId !== null) state.runId ??= event.runId;
  if (event.type === "STREAMING_URL") state.streamingUrl = event.streamingUrl;
  if (event.type === "PROGRESS") state.progress++;
  if (event.type === "COMPLETE") state.complete = event;
  try {
    options.onEvent?.(event);
  } catch (error) {
    throw new ListenerError(error);
  }
  return null;
}

function summarize(
  state: RunState,
  failure: Failure | null,
  options: TinyFishRunOptions,
  durationMs: number,
): TinyFishRunResult {
  const complete = failure ? null : state.complete;
  const steps = complete?.steps ?? state.progress;
  const check: AssertionCheck =
    complete?.status === "COMPLETED" && options.assertion
      ? options.assertion.check(complete.result)
      : { ok: true };
  const outcome = runOutcome(complete?.status ?? null, check.ok);
  return {
    outcome,
    reason: failure
      ? failure.reason
      : outcome === "provider_failed"
        ? complete!.status.toLowerCase()
        : outcome === "assertion_failed"
          ? "assertion"
          : null,
    status: complete?.status ?? null,
    result: complete?.result ?? null,
    error: failure ? failure.error : (complete?.error ?? null),
    assertionFailures: check.ok ? [] : check.failures,
    steps,
    cost: Math.round(steps * (options.costPerStep ?? DEFAULT_COST_PER_STEP) * 1e6) / 1e6,
    streamingUrl: state.streamingUrl,
    runId: complete?.runId ?? state.runId,
    events: { ...state.events },
    durationMs,
    httpStatus: state.httpStatus,
  };
}
