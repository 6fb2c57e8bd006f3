import { Pool } from "undici";
import type { HttpJobSpec } from "../../engine/index.js";
import { type Done, INTERRUPTED, type Job, PENDING } from "../../engine/index.js";
import { statusClassifier } from "./classify-status.js";
import { socketErrorReason } from "./socket-errors.js";

/**
 * The HTTP job on undici's low-level `dispatch` API — the first candidate the design names. The
 * benchmark measured it well below the `fast` client (see README, Performance), so it is kept
 * as an option (`client: "undici"`) and as the reference the choice was measured against.
 */
export function undiciHttpJob(spec: HttpJobSpec, connections: number): Job {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, {
    connections,
    pipelining: spec.pipelining,
    headersTimeout: spec.timeout_ms,
    bodyTimeout: spec.timeout_ms,
  });
  const classify = statusClassifier(spec.expect_status);
  const headers: Record<string, string> = { "user-agent": "aurea", ...spec.headers };
  const options = {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: spec.method,
    headers,
    body: spec.body ?? null,
  };
  const controllers = new Set<{ abort: (reason: Error) => void }>();
  const interrupted = new Error(INTERRUPTED);
  return {
    run(_index, done: Done) {
      let status = 0;
      let controller: { abort: (reason: Error) => void } | undefined;
      pool.dispatch(options, {
        onRequestStart(c: { abort: (reason: Error) => void }) {
          controller = c;
          controllers.add(c);
        },
        onResponseStart(_c: unknown, statusCode: number) {
          status = statusCode;
        },
        onResponseData() {},
        onResponseEnd() {
          if (controller) controllers.delete(controller);
          done(classify(status));
        },
        onResponseError(_c: unknown, error: Error) {
          if (controller) controllers.delete(controller);
          done(error === interrupted ? INTERRUPTED : undiciErrorReason(error));
        },
      } as never);
      return PENDING;
    },
    interrupt() {
      for (const c of controllers) c.abort(interrupted);
      controllers.clear();
    },
    close: () => pool.destroy(),
  };
}

function undiciErrorReason(error: Error): string {
  const code = (error as { code?: string }).code;
  if (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  ) {
    return "timeout";
  }
  if (code === "UND_ERR_SOCKET") return "connection_reset";
  if (code?.startsWith("UND_ERR")) return "protocol_error";
  return socketErrorReason((error as { cause?: unknown }).cause ?? error);
}
