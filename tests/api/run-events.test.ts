import type { Readable } from "node:stream";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

type Json = Record<string, unknown>;

interface ServerSentEvent {
  event: string;
  data: Json;
  /** When it arrived (performance.now()). */
  at: number;
}

interface EventStream {
  status: number;
  contentType: string;
  events: ServerSentEvent[];
  /** Resolves with every event once the server ends the stream. */
  ended: Promise<ServerSentEvent[]>;
  /** Resolves with the first event that `match` accepts (rejects if the stream ends first). */
  next(match: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent>;
  close(): void;
}

/** Opens `GET /api/v1/runs/:id/events` on the listening app and parses it as it streams. */
async function watch(base: string, runId: number | string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await request(`${base}/api/v1/runs/${runId}/events`, {
    signal: controller.signal,
    headersTimeout: 10_000,
    bodyTimeout: 30_000,
  });
  const events: ServerSentEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as Readable) {
        buffer += decoder.decode(chunk as Buffer, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split("\n").filter((line) => !line.startsWith(":"));
          const event = lines.find((line) => line.startsWith("event: "))?.slice(7);
          const data = lines.find((line) => line.startsWith("data: "))?.slice(6);
          if (event !== undefined && data !== undefined) {
            events.push({ event, data: JSON.parse(data), at: performance.now() });
            notify();
          }
          end = buffer.indexOf("\n\n");
        }
      }
      expect(buffer.trim(), "a partial event at the end of the stream").toBe("");
    } finally {
      done = true;
      notify();
    }
    return events;
  })();
  ended.catch(() => {});
  return {
    status: response.statusCode,
    contentType: String(response.headers["content-type"]),
    events,
    ended,
    next: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) resolve(found);
          else if (done) reject(new Error(`the stream ended without the event: ${JSON.stringify(events)}`));
          else return;
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}

async function listening(
  options: Parameters<typeof platformApp>[0] = {},
): Promise<{ t: PlatformApp; base: string }> {
  const t = await platformApp(options);
  const base = await t.app.listen({ port: 0, host: "127.0.0.1" });
  return { t, base };
}

/** A synthetic automation and a scenario of it under `load`; returns the scenario's id. */
async function scenario(t: PlatformApp, name: string, load: Json, durationMs = 50): Promise<number> {
  const automation = await t.request("POST", "/api/v1/automations", {
    name: `${name}-automation`,
    kind: "synthetic",
    config: { duration_ms: durationMs },
  });
  expect(automation.statusCode, automation.body).toBe(201);
  const created = await t.request("POST", "/api/v1/scenarios", {
    name,
    automation_id: automation.json().id,
    load,
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id;
}

async function trigger(t: PlatformApp, scenarioId: number): Promise<number> {
  const response = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId });
  expect(response.statusCode, response.body).toBe(202);
  return response.json().id;
}

async function waitForStatus(t: PlatformApp, id: number, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await t.request("GET", `/api/v1/runs/${id}`)).json().status !== status) {
    if (Date.now() > deadline) throw new Error(`run ${id} never became ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("GET /api/v1/runs/:id/events", () => {
  it("streams the run's state, then status, progress and second events while it executes, then finished with the final run, and ends", async () => {
    // One run at a time: the watched run stays pending behind a blocker until the stream is open.
    const { t, base } = await listening({ env: { AUREA_RUN_CONCURRENCY: "1" } });
    const blocker = await trigger(t, await scenario(t, "blocker", { model: "closed", duration: "30s" }));
    await waitForStatus(t, blocker, "running");
    const id = await trigger(
      t,
      await scenario(t, "watched", { model: "closed", duration: "2500ms", concurrency: 2 }),
    );

    const stream = await watch(base, id);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const first = await stream.next(() => true);
    expect(first.event).toBe("run");
    expect(first.data).toMatchObject({ id, status: "pending", scenario_name: "watched" });
    expect((await t.request("POST", `/api/v1/runs/${blocker}/cancel`)).statusCode).toBe(202);

    const events = await stream.ended;
    const final = (await t.request("GET", `/api/v1/runs/${id}`)).json();
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("run");
    expect(names[1]).toBe("status");
    expect(events[1]!.data).toEqual({ status: "running" });
    expect(names.at(-1)).toBe("finished");
    expect(names.filter((n) => n === "finished")).toHaveLength(1);
    expect(new Set(names)).toEqual(new Set(["run", "status", "progress", "second", "finished"]));

    const progress = events.filter((e) => e.event === "progress").map((e) => e.data);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(p).toMatchObject({
        elapsed_ms: expect.any(Number),
        started: expect.any(Number),
        completed: expect.any(Number),
        failed: 0,
        in_flight: expect.any(Number),
      });
    }
    const completed = progress.map((p) => p.completed as number);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(completed.at(-1)).toBe(final.total_jobs);

    const seconds = events.filter((e) => e.event === "second").map((e) => e.data);
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    expect(seconds[0]).toMatchObject({ t: expect.any(Number), completed: expect.any(Number), failed: 0 });
    expect(seconds.reduce((sum, s) => sum + (s.completed as number), 0)).toBeLessThanOrEqual(
      final.total_jobs,
    );

    // Live, not replayed at the end: the first progress came about a second before the end.
    const finished = events.at(-1)!;
    expect(finished.at - events.find((e) => e.event === "progress")!.at).toBeGreaterThan(700);
    expect(finished.data).toMatchObject({ status: "completed", reason: null });
    expect(finished.data.run).toMatchObject({
      id,
      status: "completed",
      total_jobs: final.total_jobs,
      passed: true,
      finished_at: final.finished_at,
    });
    expect(final.total_jobs).toBeGreaterThan(40);
  });

  it("sends run then finished for a run that already finished, and closes at once", async () => {
    const { t, base } = await listening();
    const id = await trigger(t, await scenario(t, "done", { model: "closed", jobs: 3 }, 1));
    const final = await t.waitForRun(id);

    const began = performance.now();
    const stream = await watch(base, id);
    const events = await stream.ended;
    expect(performance.now() - began).toBeLessThan(1000);
    expect(events.map((e) => e.event)).toEqual(["run", "finished"]);
    expect(events[0]!.data).toMatchObject({ id, status: "completed", total_jobs: 3 });
    expect(events[1]!.data).toMatchObject({
      status: "completed",
      reason: null,
      run: { id, status: "completed", finished_at: final.finished_at },
    });
  });

  it("answers 404 with a JSON error, not a stream, for an unknown run, and 400 for an id that is not one", async () => {
    const { base } = await listening();
    const missing = await request(`${base}/api/v1/runs/4242/events`);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/json/);
    expect(await missing.body.json()).toMatchObject({ statusCode: 404, error: "not_found" });
    const bad = await request(`${base}/api/v1/runs/abc/events`);
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ details: [expect.objectContaining({ field: "id" })] });
  });

  it("ends the stream of a running run that is cancelled with finished, status cancelled", async () => {
    const { t, base } = await listening();
    const id = await trigger(
      t,
      await scenario(t, "long", { model: "closed", duration: "30s", concurrency: 2 }),
    );
    const stream = await watch(base, id);
    // Running for certain: a progress event arrives about a second into the run.
    await stream.next((e) => e.event === "progress");

    const cancelledAt = performance.now();
    expect((await t.request("POST", `/api/v1/runs/${id}/cancel`)).statusCode).toBe(202);
    const events = await stream.ended;
    expect(performance.now() - cancelledAt).toBeLessThan(5000);
    const finished = events.at(-1)!;
    expect(finished.event).toBe("finished");
    expect(finished.data).toMatchObject({
      status: "cancelled",
      reason: "cancelled",
      run: { id, status: "cancelled", passed: false },
    });
    expect((finished.data.run as Json).total_jobs).toBeGreaterThan(0);
  });

  it("ends the stream of a pending run that is cancelled before it starts", async () => {
    const { t, base } = await listening({ env: { AUREA_RUN_CONCURRENCY: "1" } });
    const blocker = await trigger(t, await scenario(t, "blocker", { model: "closed", duration: "30s" }));
    await waitForStatus(t, blocker, "running");
    const id = await trigger(t, await scenario(t, "queued", { model: "closed", jobs: 1 }));
    const stream = await watch(base, id);
    expect((await stream.next(() => true)).data).toMatchObject({ id, status: "pending" });

    expect((await t.request("POST", `/api/v1/runs/${id}/cancel`)).statusCode).toBe(202);
    const events = await stream.ended;
    expect(events.map((e) => e.event)).toEqual(["run", "finished"]);
    expect(events[1]!.data).toMatchObject({ status: "cancelled", run: { id, status: "cancelled" } });
    expect((await t.request("POST", `/api/v1/runs/${blocker}/cancel`)).statusCode).toBe(202);
    await t.waitForRun(blocker, 5000);
  });

  it("sends finished to every client watching the same run", async () => {
    const { t, base } = await listening();
    const id = await trigger(t, await scenario(t, "shared", { model: "closed", duration: "1500ms" }));
    const streams = await Promise.all([watch(base, id), watch(base, id), watch(base, id)]);
    const all = await Promise.all(streams.map((s) => s.ended));
    for (const events of all) {
      expect(events[0]!.event).toBe("run");
      expect(events.at(-1)).toMatchObject({ event: "finished", data: { status: "completed" } });
    }
    expect(t.platform.events.watchers).toBe(0);
  });

  it("stops watching a run when its client goes away", async () => {
    const { t, base } = await listening();
    const id = await trigger(t, await scenario(t, "abandoned", { model: "closed", duration: "30s" }));
    const stream = await watch(base, id);
    await stream.next((e) => e.event === "run");
    expect(t.platform.events.watchers).toBe(1);

    stream.close();
    await expect(stream.ended).rejects.toThrow();
    const deadline = Date.now() + 5000;
    while (t.platform.events.watchers > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(t.platform.events.watchers).toBe(0);
    expect((await t.request("POST", `/api/v1/runs/${id}/cancel`)).statusCode).toBe(202);
    expect((await t.waitForRun(id, 5000)).status).toBe("cancelled");
  });
});
