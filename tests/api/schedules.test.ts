import { describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";

const platformApp = platformApps();
const SCHEDULES = "/api/v1/schedules";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Json = Record<string, unknown>;

/** Schedules may tick every second in these tests (the default minimum is a minute). */
const FAST = { env: { AUREA_MIN_SCHEDULE_INTERVAL_SECONDS: "1" } };

async function scenario(t: PlatformApp, { durationMs = 1, jobs = 2 } = {}): Promise<number> {
  const automation = await t.request("POST", "/api/v1/automations", {
    name: `a${durationMs}-${jobs}`,
    kind: "synthetic",
    config: { duration_ms: durationMs },
  });
  const created = await t.request("POST", "/api/v1/scenarios", {
    name: `s${durationMs}-${jobs}`,
    automation_id: automation.json().id,
    load: { model: "closed", jobs, concurrency: 1 },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id;
}

async function runsOf(t: PlatformApp, scheduleId: number): Promise<Json[]> {
  const all = (await t.request("GET", "/api/v1/runs?limit=500&sort=created_at&order=asc")).json()
    .items as Json[];
  return all.filter((r) => r.source === "schedule" && r.schedule_id === scheduleId);
}

describe("schedules: CRUD and validation", () => {
  it("creates, reads, lists, disables and deletes a schedule, showing its next fire time", async () => {
    const t = await platformApp(FAST);
    const scenarioId = await scenario(t);
    const created = await t.request("POST", SCHEDULES, { scenario_id: scenarioId, interval_seconds: 3600 });
    expect(created.statusCode, created.body).toBe(201);
    const schedule = created.json();
    expect(schedule).toMatchObject({
      scenario_id: scenarioId,
      cron: null,
      timezone: "UTC",
      interval_seconds: 3600,
      enabled: true,
      overlap: "skip",
      last_fired_at: null,
      last_run: null,
      last_success_at: null,
      skipped_ticks: 0,
    });
    // Interval ticks fall on multiples of the interval: the next full hour.
    const next = new Date(schedule.next_fire_at);
    expect(next.getTime() % 3_600_000).toBe(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);

    expect((await t.request("GET", `${SCHEDULES}/${schedule.id}`)).json()).toEqual(schedule);
    expect((await t.request("GET", SCHEDULES)).json().items).toEqual([schedule]);

    const cron = { scenario_id: scenarioId, cron: "0 9 * * 1-5", timezone: "Europe/Paris", enabled: false };
    const disabled = await t.request("PUT", `${SCHEDULES}/${schedule.id}`, cron);
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({
      cron: "0 9 * * 1-5",
      interval_seconds: null,
      enabled: false,
      next_fire_at: null,
    });
    const enabled = (
      await t.request("PUT", `${SCHEDULES}/${schedule.id}`, { ...cron, enabled: true })
    ).json();
    // 09:00 in Paris is 08:00 or 07:00 UTC, on a weekday.
    const fires = new Date(enabled.next_fire_at);
    expect([7, 8]).toContain(fires.getUTCHours());
    expect([1, 2, 3, 4, 5]).toContain(fires.getUTCDay());

    expect((await t.request("DELETE", `${SCHEDULES}/${schedule.id}`)).statusCode).toBe(204);
    expect((await t.request("GET", `${SCHEDULES}/${schedule.id}`)).statusCode).toBe(404);
    expect((await t.request("DELETE", `${SCHEDULES}/${schedule.id}`)).statusCode).toBe(404);
  });

  it.each([
    [{ cron: "61 * * * *" }, "cron", "cron_expression"],
    [{ cron: "0 * * * *", timezone: "Mars/Olympus" }, "timezone", "time_zone"],
    [{ cron: "0 * * * *", interval_seconds: 60 }, "interval_seconds", "one_of"],
    [{}, "cron", "one_of"],
    [{ interval_seconds: 30 }, "interval_seconds", "min_interval"],
    [{ cron: "*/10 * * * * *" }, "cron", "min_interval"],
    [{ interval_seconds: 3600, scenario_id: 999 }, "scenario_id", "exists"],
    [{ interval_seconds: 3600, overlap: "sometimes" }, "overlap", "invalid_value"],
    [{ interval_seconds: "60" }, "interval_seconds", "invalid_type"],
  ])("refuses %j with 4xx naming %s (%s)", async (fields, field, rule) => {
    const t = await platformApp();
    const scenarioId = await scenario(t);
    const response = await t.request("POST", SCHEDULES, { scenario_id: scenarioId, ...fields });
    expect([400, 422]).toContain(response.statusCode);
    expect(response.json().details).toContainEqual(expect.objectContaining({ field, rule }));
    expect((await t.request("GET", SCHEDULES)).json().items).toEqual([]);
  });

  it("previews the next fire times of a cron expression in a time zone", async () => {
    const t = await platformApp();
    const preview = await t.request(
      "GET",
      `${SCHEDULES}/preview?cron=${encodeURIComponent("30 6 * * *")}&timezone=Asia/Tokyo&count=3`,
    );
    expect(preview.statusCode, preview.body).toBe(200);
    const times = preview.json().fire_times.map((s: string) => new Date(s));
    expect(times).toHaveLength(3);
    // 06:30 in Tokyo (UTC+9, no daylight saving) is 21:30 UTC, a day apart.
    for (const time of times) expect([time.getUTCHours(), time.getUTCMinutes()]).toEqual([21, 30]);
    expect(times[1].getTime() - times[0].getTime()).toBe(86_400_000);
    const bad = await t.request("GET", `${SCHEDULES}/preview?cron=nope`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().details[0]).toMatchObject({ field: "cron", rule: "cron_expression" });
  });

  it("is deleted with its scenario", async () => {
    const t = await platformApp(FAST);
    const scenarioId = await scenario(t);
    const schedule = (
      await t.request("POST", SCHEDULES, { scenario_id: scenarioId, interval_seconds: 60 })
    ).json();
    expect((await t.request("DELETE", `/api/v1/scenarios/${scenarioId}`)).statusCode).toBe(204);
    expect((await t.request("GET", `${SCHEDULES}/${schedule.id}`)).statusCode).toBe(404);
  });
});

describe("schedules: firing in the embedded scheduler", () => {
  it("triggers a run at each tick, once per tick, and shows the last run and last success", async () => {
    const t = await platformApp(FAST);
    const scenarioId = await scenario(t);
    const schedule = (
      await t.request("POST", SCHEDULES, { scenario_id: scenarioId, interval_seconds: 1 })
    ).json();
    await sleep(3300);
    await t.request("PUT", `${SCHEDULES}/${schedule.id}`, {
      scenario_id: scenarioId,
      interval_seconds: 1,
      enabled: false,
    });
    const runs = await runsOf(t, schedule.id);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
    for (const run of runs) await t.waitForRun(run.id as number);
    const after = (await t.request("GET", `${SCHEDULES}/${schedule.id}`)).json();
    expect(after.last_run).toMatchObject({ id: runs.at(-1)!.id });
    expect(after.last_success_at).not.toBeNull();
    expect(new Date(after.last_fired_at).getTime() % 1000).toBe(0);
    // Disabled: no more runs.
    await sleep(1200);
    expect(await runsOf(t, schedule.id)).toHaveLength(runs.length);
  });

  it("fires a tick once however often it is delivered", async () => {
    const t = await platformApp(FAST);
    const scenarioId = await scenario(t);
    const schedule = (
      await t.request("POST", SCHEDULES, { scenario_id: scenarioId, interval_seconds: 3600 })
    ).json();
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    const results = await Promise.all([1, 2, 3].map(() => t.platform.schedules.tick(schedule.id, tick)));
    expect(results.sort()).toEqual(["fired", "taken", "taken"]);
    expect(await t.platform.schedules.tick(schedule.id, new Date(tick.getTime() - 1000))).toBe("taken");
    expect(await runsOf(t, schedule.id)).toHaveLength(1);
  });

  it("skips a tick while its previous run is active, or queues another, per its overlap policy", async () => {
    const t = await platformApp(FAST);
    const slow = await scenario(t, { durationMs: 500, jobs: 6 }); // 3 s
    const skip = (await t.request("POST", SCHEDULES, { scenario_id: slow, interval_seconds: 1 })).json();
    const queue = (
      await t.request("POST", SCHEDULES, { scenario_id: slow, interval_seconds: 1, overlap: "queue" })
    ).json();
    await sleep(3300);
    for (const s of [skip, queue])
      await t.request("PUT", `${SCHEDULES}/${s.id}`, {
        scenario_id: slow,
        interval_seconds: 1,
        enabled: false,
      });
    expect(await runsOf(t, skip.id)).toHaveLength(1);
    expect((await t.request("GET", `${SCHEDULES}/${skip.id}`)).json().skipped_ticks).toBeGreaterThanOrEqual(
      2,
    );
    expect((await runsOf(t, queue.id)).length).toBeGreaterThanOrEqual(3);
    expect((await t.request("GET", `${SCHEDULES}/${queue.id}`)).json().skipped_ticks).toBe(0);
  });
});
