import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A local stand-in for the TinyFish web-agent API (`POST /v1/automation/run-sse`), speaking the
 * protocol as documented (see src/automations/tinyfish/protocol.ts for the sources): `X-API-Key`
 * auth with `{"error":{"code","message"}}` bodies, data-only SSE events whose JSON `type` is
 * STARTED | STREAMING_URL | PROGRESS | HEARTBEAT | COMPLETE. It listens on 127.0.0.1 only.
 *
 * What a run does is chosen by a `handler`, or by directives in the goal text:
 *   [steps=N]        N PROGRESS events before COMPLETE (default 2)
 *   [report_steps=N] COMPLETE carries `num_of_steps: N`
 *   [delay=MS]       pause before each event after STARTED
 *   [slow=MS]        HEARTBEAT every 50 ms for MS ms before COMPLETE
 *   [fail]           COMPLETE with status FAILED and an error
 *   [cancel]         COMPLETE with status CANCELLED
 *   [drop]           destroy the connection after the PROGRESS events
 *   [truncate]       end the response cleanly without COMPLETE
 *   [malformed]      an event whose data is not JSON, after STARTED
 *   [http=STATUS]    answer STATUS with a JSON error body instead of a stream
 *   [json_reply]     answer 200 with `application/json` instead of a stream
 */

export type StandInFrame =
  | { event: Record<string, unknown> }
  | { raw: string }
  | { wait: number }
  | { drop: true };

export type StandInReply =
  | { stream: StandInFrame[] }
  | { status: number; contentType?: string; body: string };

export interface StandInRequest {
  method: string;
  path: string;
  /** The `X-API-Key` header as received. */
  apiKey: string | null;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text when it was not JSON). */
  body: unknown;
}

/** `snake` as the current docs show (`run_id`, `streaming_url`, `result`), `camel` as the earlier OpenAPI spec. */
export type FieldStyle = "snake" | "camel";

export interface StandInOptions {
  apiKey: string;
  /** Decides the reply to each authenticated, valid request; the goal directives by default. */
  handler?: (request: StandInRequest, events: EventBuilder) => StandInReply;
  fieldStyle?: FieldStyle;
  /** The COMPLETED result of the default handler. */
  result?: unknown;
  /** Put the received key into 401 messages, as a careless service might. */
  echoKeyInErrors?: boolean;
}

export interface TinyFishStandIn {
  url: string;
  requests: StandInRequest[];
  /** Responses whose connection is still open. */
  readonly openStreams: number;
  close(): Promise<void>;
}

export const RUN_SSE_PATH = "/v1/automation/run-sse";
export const DEFAULT_RESULT = {
  products: [
    { name: "Bulbasaur", price: 63 },
    { name: "Ivysaur", price: 87 },
  ],
};

export interface EventBuilder {
  runId: string;
  started(): StandInFrame;
  streamingUrl(): StandInFrame;
  progress(purpose: string): StandInFrame;
  heartbeat(): StandInFrame;
  complete(fields: {
    status: "COMPLETED" | "FAILED" | "CANCELLED";
    result?: unknown;
    error?: string;
    steps?: number;
  }): StandInFrame;
}

function eventBuilder(style: FieldStyle, baseUrl: string): EventBuilder {
  const runId = randomUUID();
  const timestamp = () => new Date().toISOString();
  const id = style === "snake" ? { run_id: runId } : { runId };
  return {
    runId,
    started: () => ({ event: { type: "STARTED", ...id, timestamp: timestamp() } }),
    streamingUrl: () => {
      const url = `${baseUrl}/stream/${runId}`;
      return {
        event: {
          type: "STREAMING_URL",
          ...id,
          ...(style === "snake" ? { streaming_url: url } : { streamingUrl: url }),
          timestamp: timestamp(),
        },
      };
    },
    progress: (purpose) => ({ event: { type: "PROGRESS", ...id, purpose, timestamp: timestamp() } }),
    heartbeat: () => ({ event: { type: "HEARTBEAT", timestamp: timestamp() } }),
    complete: ({ status, result = null, error, steps }) => ({
      event: {
        type: "COMPLETE",
        ...id,
        status,
        ...(style === "snake" ? { result } : { resultJson: result }),
        error: error ?? null,
        ...(steps === undefined ? {} : { num_of_steps: steps }),
        timestamp: timestamp(),
      },
    }),
  };
}

function directives(goal: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, key, value] of goal.matchAll(/\[([a-z_]+)(?:=([^\]]*))?\]/g)) found.set(key!, value ?? "");
  return found;
}

const errorBody = (code: string, message: string, details?: Record<string, string>) =>
  JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } });

function goalScript(request: StandInRequest, events: EventBuilder, options: StandInOptions): StandInReply {
  const d = directives(String((request.body as { goal?: unknown }).goal));
  if (d.has("http")) {
    const status = Number(d.get("http"));
    return {
      status,
      contentType: "application/json",
      body: errorBody("INTERNAL_ERROR", "Something went wrong"),
    };
  }
  if (d.has("json_reply"))
    return { status: 200, contentType: "application/json", body: JSON.stringify({ ok: true }) };
  const delay = Number(d.get("delay") ?? 0);
  const paced = (frame: StandInFrame): StandInFrame[] => (delay > 0 ? [{ wait: delay }, frame] : [frame]);
  const frames: StandInFrame[] = [events.started()];
  if (d.has("malformed")) return { stream: [...frames, { raw: 'data: {"type":"PROGRESS","purpose":\n\n' }] };
  frames.push(...paced(events.streamingUrl()));
  const steps = Number(d.get("steps") ?? 2);
  for (let i = 1; i <= steps; i++) frames.push(...paced(events.progress(`Step ${i} of ${steps}`)));
  if (d.has("drop")) return { stream: [...frames, { drop: true }] };
  if (d.has("truncate")) return { stream: frames };
  const slow = Number(d.get("slow") ?? 0);
  for (let waited = 0; waited < slow; waited += 50) frames.push({ wait: 50 }, events.heartbeat());
  const reported = d.has("report_steps") ? Number(d.get("report_steps")) : undefined;
  const withSteps = reported === undefined ? {} : { steps: reported };
  const complete = d.has("fail")
    ? events.complete({ status: "FAILED", error: "Target site blocked the agent (HTTP 403)", ...withSteps })
    : d.has("cancel")
      ? events.complete({ status: "CANCELLED", error: "Run was cancelled", ...withSteps })
      : events.complete({ status: "COMPLETED", result: options.result ?? DEFAULT_RESULT, ...withSteps });
  frames.push(...paced(complete));
  return { stream: frames };
}

/** The documented request body rules; returns per-field problems. */
function invalidFields(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { body: "must be a JSON object" };
  const b = body as Record<string, unknown>;
  const problems: Record<string, string> = {};
  if (typeof b.url !== "string" || !URL.canParse(b.url) || !/^https?:$/.test(new URL(b.url).protocol)) {
    problems.url = "must be an http(s) URL";
  }
  if (typeof b.goal !== "string" || b.goal.length === 0) problems.goal = "must be a non-empty string";
  if (b.browser_profile !== undefined && b.browser_profile !== "lite" && b.browser_profile !== "stealth") {
    problems.browser_profile = "must be lite or stealth";
  }
  for (const key of ["output_schema", "agent_config", "proxy_config"]) {
    const value = b[key];
    if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
      problems[key] = "must be an object";
    }
  }
  return problems;
}

async function readBody(request: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function play(
  response: ServerResponse,
  frames: readonly StandInFrame[],
  closed: AbortSignal,
): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  response.flushHeaders();
  // Each write waits until it reached the socket, so that a later drop cannot swallow it.
  const write = (text: string) => new Promise<void>((resolve) => response.write(text, () => resolve()));
  for (const frame of frames) {
    if (closed.aborted) return;
    if ("wait" in frame) {
      await sleep(frame.wait, undefined, { signal: closed }).catch(() => {});
    } else if ("event" in frame) {
      await write(`data: ${JSON.stringify(frame.event)}\n\n`);
    } else if ("raw" in frame) {
      await write(frame.raw);
    } else {
      response.socket?.destroy();
      return;
    }
  }
  response.end();
}

export async function startTinyFishStandIn(options: StandInOptions): Promise<TinyFishStandIn> {
  const requests: StandInRequest[] = [];
  let openStreams = 0;
  let url = "";

  const reply = (
    response: ServerResponse,
    status: number,
    body: string,
    contentType = "application/json",
  ) => {
    response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    response.end(body);
  };

  const server = createServer(async (req, response) => {
    const closed = new AbortController();
    response.on("close", () => closed.abort());
    const text = await readBody(req).catch(() => null);
    if (text === null) return reply(response, 413, errorBody("INVALID_INPUT", "Body too large"));
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Recorded as text; rejected below.
    }
    const key = req.headers["x-api-key"];
    const apiKey = typeof key === "string" ? key : null;
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    const recorded: StandInRequest = { method: req.method ?? "", path, apiKey, headers: req.headers, body };
    requests.push(recorded);

    if (path !== RUN_SSE_PATH) return reply(response, 404, errorBody("NOT_FOUND", "Not found"));
    if (req.method !== "POST") return reply(response, 405, errorBody("METHOD_NOT_ALLOWED", "Use POST"));
    if (!apiKey)
      return reply(response, 401, errorBody("MISSING_API_KEY", "The X-API-Key header is required"));
    if (apiKey !== options.apiKey) {
      const message = options.echoKeyInErrors ? `Invalid API key: ${apiKey}` : "Invalid API key";
      return reply(response, 401, errorBody("INVALID_API_KEY", message));
    }
    const problems = typeof body === "string" ? { body: "must be JSON" } : invalidFields(body);
    if (Object.keys(problems).length > 0) {
      return reply(response, 400, errorBody("INVALID_INPUT", "Validation failed", problems));
    }

    const events = eventBuilder(options.fieldStyle ?? "snake", url);
    const script = options.handler
      ? options.handler(recorded, events)
      : goalScript(recorded, events, options);
    if (!("stream" in script)) return reply(response, script.status, script.body, script.contentType);
    openStreams++;
    response.on("close", () => openStreams--);
    await play(response, script.stream, closed.signal);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    get openStreams() {
      return openStreams;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
