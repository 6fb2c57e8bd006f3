import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../support/spawn-cli.js";

describe("aurea schedule", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aurea-schedule-cli-"));
  let server: ReturnType<typeof startCli>;
  let url: string;
  let scenarioId: number;
  const post = async (path: string, body: unknown) =>
    (await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as { id: number };

  beforeAll(async () => {
    server = startCli(["serve", "--port", "0"], {
      LOG_LEVEL: "info",
      AUREA_DATA_DIR: dataDir,
      AUREA_MIN_SCHEDULE_INTERVAL_SECONDS: "60",
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.child.stdout!.on("data", (d: Buffer) => {
        out += d;
        const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (match) resolve(match[1]!);
      });
      setTimeout(() => reject(new Error(`no listening line in ${out}`)), 30_000);
    });
    const automation = await post("/api/v1/automations", { name: "a", kind: "synthetic", config: {} });
    scenarioId = (await post("/api/v1/scenarios", { name: "s", automation_id: automation.id })).id;
  }, 60_000);
  afterAll(async () => {
    server?.child.kill("SIGTERM");
    await server?.finished;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(["schedule", ...args, "--api", url]);

  it("creates, lists, disables, enables and deletes schedules of a running server", async () => {
    const created = await cli("create", "--scenario", String(scenarioId), "--every", "1h", "--json");
    expect(created.code, created.stderr).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({ scenario_id: scenarioId, interval_seconds: 3600, enabled: true });

    const cron = await cli(
      "create",
      "--scenario",
      String(scenarioId),
      "--cron",
      "0 9 * * 1-5",
      "--timezone",
      "Europe/Paris",
      "--overlap",
      "queue",
    );
    expect(cron.code, cron.stderr).toBe(0);
    expect(cron.stdout).toMatch(
      /^#\d+ scenario \d+ cron "0 9 \* \* 1-5" Europe\/Paris \(overlap queue\) enabled, next 20\d\d-/,
    );

    const list = await cli("list");
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split("\n")).toHaveLength(2);
    expect(list.stdout).toContain(
      `#${schedule.id} scenario ${scenarioId} every 3600s (overlap skip) enabled`,
    );

    const disabled = await cli("disable", String(schedule.id), "--json");
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({
      id: schedule.id,
      enabled: false,
      next_fire_at: null,
      interval_seconds: 3600,
    });
    const enabled = await cli("enable", String(schedule.id));
    expect(enabled.stdout).toContain("enabled, next");

    const deleted = await cli("delete", String(schedule.id));
    expect(deleted).toMatchObject({ code: 0, stdout: `schedule ${schedule.id} deleted\n` });
    expect((await cli("list", "--json")).stdout).not.toContain(`"id":${schedule.id},`);
  });

  it("previews a cron expression's next fire times", async () => {
    const r = await cli("preview", "0 0 1 * *", "--count", "2");
    expect(r.code, r.stderr).toBe(0);
    const times = r.stdout.trim().split("\n");
    expect(times).toHaveLength(2);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-01T00:00:00\.000Z$/);
  });

  it("prints the API's refusal with the fields it names, and exits 2", async () => {
    const tooOften = await cli("create", "--scenario", String(scenarioId), "--every", "10s");
    expect(tooOften.code).toBe(2);
    expect(tooOften.stderr).toContain("interval_seconds: must be at least 60 s");
    expect(tooOften.stderr).toContain("(min_interval)");
    const badCron = await cli("create", "--scenario", String(scenarioId), "--cron", "every day");
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toContain("(cron_expression)");
    expect((await cli("delete", "9999")).code).toBe(2);
  });

  it("refuses bad arguments before calling the API, and reports an API it cannot reach", async () => {
    const both = await cli("create", "--scenario", "1", "--cron", "* * * * *", "--every", "1m");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("either --cron or --every");
    const badEvery = await cli("create", "--scenario", "1", "--every", "soon");
    expect(badEvery.code).toBe(2);
    expect(badEvery.stderr).toContain("--every");
    expect((await cli("enable", "x")).code).toBe(2);
    const away = await runCli(["schedule", "list", "--api", "http://127.0.0.1:1"]);
    expect(away.code).toBe(1);
    expect(away.stderr).toContain("cannot reach the Aurea API at http://127.0.0.1:1");
  });
});
