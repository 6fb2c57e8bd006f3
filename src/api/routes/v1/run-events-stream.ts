import type { FastifyReply, FastifyRequest } from "fastify";
import type { RunEvent, RunEvents } from "../../../services/runs/run-events.js";
import type { RunRow } from "../../../store/runs-repo.js";
import { presentRunSummary } from "./presenters.js";

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/**
 * Streams a run's events as Server-Sent Events: first its current state (`run`), then live
 * events until it finishes (`finished` carries the final run) or the client leaves.
 */
export function streamRunEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  run: RunRow,
  events: RunEvents,
  reload: () => Promise<RunRow | undefined>,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });
  const send = (event: string, data: unknown) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send("run", presentRunSummary(run));
  if (FINISHED.has(run.status)) {
    send("finished", { status: run.status, reason: run.reason, run: presentRunSummary(run) });
    res.end();
    return;
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(keepalive);
    res.end();
  };
  const unsubscribe = events.subscribe(run.id, (event: RunEvent) => {
    if (closed) return;
    if (event.type === "finished") {
      void reload().then(
        (final) => {
          if (closed) return;
          send("finished", {
            status: event.status,
            reason: event.reason,
            run: final ? presentRunSummary(final) : null,
          });
          close();
        },
        () => close(),
      );
      return;
    }
    send(
      event.type,
      event.type === "status"
        ? { status: event.status }
        : event.type === "progress"
          ? event.progress
          : event.point,
    );
  });
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  res.on("close", close);
  // The run may have finished between the read above and the subscription.
  void reload().then((latest) => {
    if (latest && FINISHED.has(latest.status) && !closed) {
      send("finished", { status: latest.status, reason: latest.reason, run: presentRunSummary(latest) });
      close();
    }
  });
}
