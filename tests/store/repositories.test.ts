import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeHistogram, encodeHistogram } from "../../src/engine/index.js";
import { latencyHistogram } from "../../src/engine/stats/histogram.js";
import { runSpecSnapshot } from "../../src/services/runs/run-spec-snapshot.js";
import { SecretBox } from "../../src/services/secrets/secret-box.js";
import { SecretService } from "../../src/services/secrets/secret-service.js";
import type { AutomationRow } from "../../src/store/automations-repo.js";
import { sqlState, UNIQUE_VIOLATION } from "../../src/store/errors.js";
import { KpisQuery } from "../../src/store/kpis-query.js";
import type { BucketRange } from "../../src/store/rollup-buckets.js";
import { foldFinishedRuns, rebuildRollups } from "../../src/store/rollups-repo.js";
import {
  ANALYZE_AFTER_BYTES,
  RUN_SORTS,
  type RunOutcome,
  type RunRow,
  type RunSort,
} from "../../src/store/runs-repo.js";
import type { ScenarioRow } from "../../src/store/scenarios-repo.js";
import {
  type RunStatus,
  runRollups,
  runs as runsTable,
  secrets as secretsTable,
} from "../../src/store/schema.js";
import { type Seeder, seeder } from "../support/seed-rows.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

/**
 * A delete refused by `ON DELETE RESTRICT`: PostgreSQL up to 17 reports foreign_key_violation,
 * PostgreSQL 18 (PGlite 0.5) restrict_violation.
 */
const RESTRICTED = ["23503", "23001"];

/** An encoded latency histogram holding `count` values of `us` microseconds. */
function histogramOf(count: number, us: number): string {
  const histogram = latencyHistogram();
  histogram.recordValueWithCount(us, count);
  return encodeHistogram(histogram);
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

const outcome = (values: Partial<RunOutcome> = {}): RunOutcome => ({
  durationS: 1.25,
  totalJobs: 10,
  failedJobs: 1,
  successRate: 0.9,
  throughput: 8,
  p50Ms: 12.5,
  p95Ms: 40,
  p99Ms: 55.5,
  cost: 0.25,
  thresholdsPassed: true,
  passed: true,
  outcomes: { succeeded: 9, transport_error: 1 },
  summary: { counts: { total: 10 } },
  histogram: histogramOf(10, 2000),
  timeline: [{ t: 0, n: 10 }],
  responseSample: { ok: true },
  ...values,
});

describe.each(DRIVERS)("repositories on %s", (driver) => {
  let t: TestStore;
  let seed: Seeder;

  beforeAll(async () => {
    t = await openTestStore(driver);
    seed = seeder(t.store.db);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
  });

  /** Overwrites columns of run `id` directly, as the executor or time would have. */
  const patchRun = (id: number, values: Partial<typeof runsTable.$inferInsert>) =>
    t.store.db.update(runsTable).set(values).where(eq(runsTable.id, id));

  describe("automations", () => {
    it("creates, reads, lists, updates and deletes an automation", async () => {
      const { automations } = seed;
      const first = await automations.create({ name: "a", kind: "synthetic", config: { duration_ms: 5 } });
      const second = await automations.create({
        name: "b",
        description: "an endpoint",
        kind: "http",
        config: { url: "https://example.com/", headers: { "x-k": "{{input.k}}" } },
      });
      expect(first).toMatchObject({
        name: "a",
        description: "",
        kind: "synthetic",
        config: { duration_ms: 5 },
      });
      expect(first.createdAt).toBeInstanceOf(Date);
      expect(await automations.get(second.id)).toEqual(second);
      expect((await automations.list()).map((a) => a.name)).toEqual(["a", "b"]);

      const updated = await automations.update(first.id, {
        name: "a2",
        description: "renamed",
        kind: "synthetic",
        config: { duration_ms: 7, mode: "cpu" },
      });
      expect(updated).toMatchObject({
        id: first.id,
        name: "a2",
        description: "renamed",
        config: { duration_ms: 7 },
      });
      expect(updated!.config).toEqual({ duration_ms: 7, mode: "cpu" });
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      expect(await automations.get(first.id)).toEqual(updated);
      expect(await automations.update(9999, { name: "x", kind: "synthetic", config: {} })).toBeUndefined();
      expect(await automations.get(9999)).toBeUndefined();

      expect(await automations.delete(first.id)).toBe(true);
      expect(await automations.delete(first.id)).toBe(false);
      expect(await automations.get(first.id)).toBeUndefined();
      expect((await automations.list()).map((a) => a.id)).toEqual([second.id]);
    });

    it("refuses a second automation of the same name with SQLSTATE 23505, on create and on rename", async () => {
      const { automations } = seed;
      await automations.create({ name: "taken", kind: "synthetic", config: {} });
      const other = await automations.create({ name: "free", kind: "synthetic", config: {} });
      const created = await rejection(automations.create({ name: "taken", kind: "http", config: {} }));
      expect(sqlState(created)).toBe(UNIQUE_VIOLATION);
      const renamed = await rejection(
        automations.update(other.id, { name: "taken", kind: "synthetic", config: {} }),
      );
      expect(sqlState(renamed)).toBe(UNIQUE_VIOLATION);
      expect((await automations.list()).map((a) => a.name)).toEqual(["taken", "free"]);
    });

    it("lists the scenarios of an automation that lack one of some inputs", async () => {
      const a = await seed.automation("a");
      await seed.scenarios.create({
        name: "full",
        automationId: a.id,
        load: {},
        inputs: { q: "x", lang: "en" },
      });
      const partial = await seed.scenarios.create({
        name: "partial",
        automationId: a.id,
        load: {},
        inputs: { q: "x" },
      });
      const none = await seed.scenarios.create({ name: "none", automationId: a.id, load: {} });
      expect(await seed.automations.usersMissingInputs(a.id, ["q", "lang"])).toEqual([partial.id, none.id]);
      expect(await seed.automations.usersMissingInputs(a.id, ["q"])).toEqual([none.id]);
      expect(await seed.automations.usersMissingInputs(a.id, [])).toEqual([]);
    });

    it("lists the scenarios that use an automation, and only those", async () => {
      const a = await seed.automation("a");
      const b = await seed.automation("b");
      const s1 = await seed.scenario(a, "s1");
      await seed.scenario(b, "s2");
      const s3 = await seed.scenario(a, "s3");
      expect(await seed.automations.usedBy(a.id)).toEqual([s1.id, s3.id]);
      expect(await seed.automations.usedBy(9999)).toEqual([]);
    });

    it("refuses to delete an automation its scenarios use, with a foreign-key violation, unless told to cascade", async () => {
      const a = await seed.automation("a");
      const s = await seed.scenario(a, "s");
      const error = await rejection(seed.automations.delete(a.id));
      expect(RESTRICTED).toContain(sqlState(error));
      expect(await seed.automations.get(a.id)).toBeDefined();
      expect(await seed.scenarios.get(s.id)).toBeDefined();
    });

    it("deletes an automation with its scenarios on cascade; their runs stay, with their ids and names", async () => {
      const a = await seed.automation("a");
      const keep = await seed.automation("keep");
      const s1 = await seed.scenario(a, "s1");
      const s2 = await seed.scenario(a, "s2");
      const other = await seed.scenario(keep, "other");
      const r1 = await seed.run(s1, a);
      const r2 = await seed.run(s2, a);
      const r3 = await seed.run(other, keep);

      expect(await seed.automations.delete(a.id, { cascade: true })).toBe(true);
      expect(await seed.scenarios.list()).toEqual([other]);
      const [after1, after2, after3] = await Promise.all([r1, r2, r3].map((r) => seed.runs.get(r.id)));
      // Runs are history: no foreign key, so they keep the ids of what was deleted (schema.ts).
      expect(after1).toMatchObject({
        scenarioId: s1.id,
        automationId: a.id,
        scenarioName: "s1",
        automationName: "a",
      });
      expect(after2).toMatchObject({ scenarioId: s2.id, automationId: a.id, scenarioName: "s2" });
      expect(after3).toMatchObject({ scenarioId: other.id, automationId: keep.id });
    });
  });

  describe("scenarios", () => {
    it("round-trips its jsonb and array columns exactly", async () => {
      const a = await seed.automation("a");
      const values = {
        name: "full",
        description: "every column",
        automationId: a.id,
        inputs: { query: 'Ünïcødé "quoted" {{x}}', count: 3, ratio: 0.1 + 0.2, on: false },
        load: {
          model: "stages",
          stages: [
            { duration: "1s", target: 2 },
            { duration: "2s", target: 0 },
          ],
        },
        thresholds: ["p95<500ms", "success_rate>=0.99"],
        cost: { per_job: 0.001, per_second: 1e-7 },
        assertion: {
          all: [
            { path: "$.result.title", equals: null },
            { path: "$.ok", exists: true },
          ],
        },
        tags: ["nightly", "with space", 'with "quotes", commas and {braces}', "é", ""],
        onInterrupt: "rerun" as const,
      };
      const created = await seed.scenarios.create(values);
      expect(created).toMatchObject(values);
      const read = await seed.scenarios.get(created.id);
      expect(read).toEqual(created);
      expect(read!.inputs).toEqual(values.inputs);
      expect(read!.load).toEqual(values.load);
      expect(read!.thresholds).toEqual(values.thresholds);
      expect(read!.cost).toEqual(values.cost);
      expect(read!.assertion).toEqual(values.assertion);
      expect(read!.tags).toEqual(values.tags);
      expect(read!.baselineRunId).toBeNull();
    });

    it("reads many scenarios with their automations in one query, leaving out unknown ids", async () => {
      const a = await seed.automation("a");
      const b = await seed.automation("b");
      const one = await seed.scenario(a, "one");
      const two = await seed.scenario(b, "two");
      const found = await seed.scenarios.getWithAutomation([one.id, two.id, one.id, 9999]);
      expect([...found.keys()].sort((x, y) => x - y)).toEqual([one.id, two.id]);
      expect(found.get(one.id)).toEqual({ scenario: one, automation: a });
      expect(found.get(two.id)).toEqual({ scenario: two, automation: b });
      expect((await seed.scenarios.getWithAutomation([])).size).toBe(0);
    });

    it("fills the defaults of the optional columns", async () => {
      const a = await seed.automation("a");
      const created = await seed.scenarios.create({
        name: "bare",
        automationId: a.id,
        load: { model: "closed" },
      });
      expect(created).toMatchObject({
        description: "",
        inputs: {},
        thresholds: [],
        cost: {},
        assertion: null,
        tags: [],
        onInterrupt: "fail",
        baselineRunId: null,
      });
    });

    it("lists scenarios filtered by automation, by tag, and by both", async () => {
      const a = await seed.automation("a");
      const b = await seed.automation("b");
      const s1 = await seed.scenario(a, "s1", { tags: ["nightly", "smoke"] });
      const s2 = await seed.scenario(a, "s2", { tags: ["smoke"] });
      const s3 = await seed.scenario(b, "s3", { tags: ["nightly"] });
      const s4 = await seed.scenario(b, "s4");
      const ids = async (filter: Parameters<typeof seed.scenarios.list>[0]) =>
        (await seed.scenarios.list(filter)).map((s) => s.id);
      expect(await ids({})).toEqual([s1.id, s2.id, s3.id, s4.id]);
      expect(await ids({ automationId: b.id })).toEqual([s3.id, s4.id]);
      expect(await ids({ tag: "nightly" })).toEqual([s1.id, s3.id]);
      expect(await ids({ tag: "smoke", automationId: a.id })).toEqual([s1.id, s2.id]);
      expect(await ids({ tag: "nightly", automationId: a.id })).toEqual([s1.id]);
      expect(await ids({ tag: "night" })).toEqual([]);
    });

    it("updates a scenario's columns", async () => {
      const a = await seed.automation("a");
      const s = await seed.scenario(a, "s", { tags: ["x"] });
      const updated = await seed.scenarios.update(s.id, {
        name: "s-renamed",
        automationId: a.id,
        load: { model: "open", rate: 5, duration: "1s" },
        tags: [],
        onInterrupt: "rerun",
      });
      expect(updated).toMatchObject({
        name: "s-renamed",
        load: { model: "open", rate: 5 },
        tags: [],
        onInterrupt: "rerun",
      });
      expect(await seed.scenarios.update(9999, { name: "x", automationId: a.id, load: {} })).toBeUndefined();
    });

    it("pins and unpins a baseline run", async () => {
      const a = await seed.automation("a");
      const s = await seed.scenario(a, "s");
      const run = await seed.run(s, a);
      expect(await seed.scenarios.setBaseline(s.id, run.id)).toMatchObject({ baselineRunId: run.id });
      expect((await seed.scenarios.get(s.id))!.baselineRunId).toBe(run.id);
      expect(await seed.scenarios.setBaseline(s.id, null)).toMatchObject({ baselineRunId: null });
      expect(await seed.scenarios.setBaseline(9999, run.id)).toBeUndefined();
    });

    it("deletes a scenario once, leaving its runs in place", async () => {
      const a = await seed.automation("a");
      const s = await seed.scenario(a, "s");
      const run = await seed.run(s, a);
      expect(await seed.scenarios.delete(s.id)).toBe(true);
      expect(await seed.scenarios.delete(s.id)).toBe(false);
      expect(await seed.scenarios.get(s.id)).toBeUndefined();
      expect(await seed.runs.get(run.id)).toMatchObject({
        scenarioId: s.id,
        automationId: a.id,
        scenarioName: "s",
      });
    });
  });

  describe("runs", () => {
    let a: AutomationRow;
    beforeEach(async () => {
      a = await seed.automation("a");
    });

    it("creates a run pending, never attempted, with its spec intact", async () => {
      const s = await seed.scenario(a, "s");
      const run = await seed.run(s, a);
      expect(run).toMatchObject({
        status: "pending",
        attempts: 0,
        cancelRequested: false,
        startedAt: null,
        finishedAt: null,
        reason: null,
        source: "trigger",
        environment: { seeded: true },
      });
      expect(run.spec).toMatchObject({ automation: { id: a.id, kind: "synthetic" }, load: s.load });
      expect(await seed.runs.get(run.id)).toEqual(run);
      expect(await seed.runs.get(9999)).toBeUndefined();
    });

    it("records triggered runs in one statement, each with a snapshot of its scenario and automation as they are", async () => {
      const s = await seed.scenarios.create({
        name: "rich",
        automationId: a.id,
        inputs: { region: "eu", retries: 3, warm: true },
        load: { model: "open", rate: 5, duration: "2s" },
        thresholds: ["p95<200"],
        cost: { price_per_job: 0.5 },
        assertion: { status: 200, body_contains: 'ok "quoted" é' },
        shards: 2,
        allowPartial: true,
        seed: 2 ** 40,
      });
      const other = await seed.scenario(a, "other");
      const environment = { host: "ci", node: "v20" };
      const asked = [
        { scenarioId: s.id, source: "trigger" as const, scheduleId: null, apiKeyId: null },
        { scenarioId: 999_999, source: "trigger" as const, scheduleId: null, apiKeyId: null },
        { scenarioId: other.id, source: "schedule" as const, scheduleId: 42, apiKeyId: 7 },
        { scenarioId: s.id, source: "trigger" as const, scheduleId: null, apiKeyId: null },
      ];
      const [first, missing, scheduled, again] = await seed.runs.trigger(asked, environment);
      expect(missing).toBeUndefined();
      expect(first!.id).toBeLessThan(again!.id);
      expect(first).toMatchObject({
        status: "pending",
        attempts: 0,
        cancelRequested: false,
        rolledUp: false,
        scenarioId: s.id,
        automationId: a.id,
        scenarioName: "rich",
        automationName: a.name,
        source: "trigger",
        scheduleId: null,
        apiKeyId: null,
        startedAt: null,
        environment,
      });
      expect(first!.createdAt).toBeInstanceOf(Date);
      // Exactly the RunSpecSnapshot of the rows: every field, nothing else.
      expect(first!.spec).toEqual({
        automation: { id: a.id, name: a.name, kind: a.kind, config: a.config },
        inputs: s.inputs,
        load: s.load,
        thresholds: s.thresholds,
        cost: s.cost,
        assertion: s.assertion,
        shards: 2,
        allow_partial: true,
        seed: 2 ** 40,
        baseline_run_id: null,
      });
      expect(runSpecSnapshot.parse(first!.spec)).toEqual(first!.spec);
      expect(scheduled).toMatchObject({
        scenarioId: other.id,
        source: "schedule",
        scheduleId: 42,
        apiKeyId: 7,
      });
      expect(scheduled!.spec).toMatchObject({ assertion: null, seed: null, shards: 1, inputs: {} });
      // What the statement answers is the row as stored.
      expect(await seed.runs.get(first!.id)).toEqual(first);
      // A snapshot: editing the automation later leaves the run as it was.
      await seed.automations.update(a.id, { name: a.name, kind: "synthetic", config: { duration_ms: 99 } });
      expect((await seed.runs.get(first!.id))!.spec).toEqual(first!.spec);
      const [later] = await seed.runs.trigger([asked[0]!], environment);
      expect(later!.spec).toMatchObject({ automation: { config: { duration_ms: 99 } } });
      expect(await seed.runs.trigger([], environment)).toEqual([]);
    });

    it("claims a pending run once: the second claim gets nothing", async () => {
      const run = await seed.run(null, a);
      const claimed = await seed.runs.claim(run.id);
      expect(claimed).toMatchObject({ id: run.id, status: "running", attempts: 1 });
      expect(claimed!.startedAt).toBeInstanceOf(Date);
      expect(await seed.runs.claim(run.id)).toBeUndefined();
      expect(await seed.runs.claim(9999)).toBeUndefined();
      expect(await seed.runs.get(run.id)).toMatchObject({ status: "running", attempts: 1 });
    });

    it("lets exactly one of two concurrent claims of a run win", async () => {
      const created = await Promise.all(Array.from({ length: 10 }, () => seed.run(null, a)));
      for (const run of created) {
        const claims = await Promise.all([seed.runs.claim(run.id), seed.runs.claim(run.id)]);
        expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
        expect(await seed.runs.get(run.id)).toMatchObject({ status: "running", attempts: 1 });
      }
    });

    it("completes a running run with its measurements, and only a running one", async () => {
      const run = await seed.run(null, a);
      expect(await seed.runs.complete(run.id, 1, outcome())).toBe(false);
      expect((await seed.runs.get(run.id))!.status).toBe("pending");
      await seed.runs.claim(run.id);
      expect(await seed.runs.complete(run.id, 1, outcome())).toBe(true);
      const done = await seed.runs.get(run.id);
      expect(done).toMatchObject({ ...outcome(), status: "completed", attempts: 1 });
      expect(done!.finishedAt).toBeInstanceOf(Date);
      expect(await seed.runs.complete(run.id, 1, outcome({ totalJobs: 99 }))).toBe(false);
      expect((await seed.runs.get(run.id))!.totalJobs).toBe(10);
      // Stored as JSON values, readable by SQL (not as strings holding JSON).
      const types = await t.store.db
        .select({
          outcomes: sql<string>`jsonb_typeof(${runsTable.outcomes})`,
          summary: sql<string>`jsonb_typeof(${runsTable.summary})`,
          timeline: sql<string>`jsonb_typeof(${runsTable.timeline})`,
          sample: sql<string>`jsonb_typeof(${runsTable.responseSample})`,
          succeeded: sql<number>`(${runsTable.outcomes} ->> 'succeeded')::int`,
        })
        .from(runsTable)
        .where(eq(runsTable.id, run.id));
      expect(types).toEqual([
        { outcomes: "object", summary: "object", timeline: "array", sample: "object", succeeded: 9 },
      ]);
    });

    it("creates, claims and completes many runs in one statement each, keeping every run's own values", async () => {
      const s = await seed.scenario(a, "s");
      const spec = (i: number) => ({ automation: { id: a.id }, load: { model: "closed", jobs: i + 1 } });
      const created = await seed.runs.createMany(
        Array.from({ length: 5 }, (_, i) => ({
          scenarioId: s.id,
          automationId: a.id,
          scenarioName: `s${i}`,
          source: "trigger" as const,
          spec: spec(i),
        })),
      );
      expect(created.map((r) => r.scenarioName)).toEqual(["s0", "s1", "s2", "s3", "s4"]);
      expect(created.map((r) => r.spec)).toEqual([0, 1, 2, 3, 4].map(spec));
      expect(await seed.runs.createMany([])).toEqual([]);

      const [first, second, third, fourth] = created.map((r) => r.id) as [number, number, number, number];
      await seed.runs.end(fourth, "cancelled", "cancelled");
      const claimed = await seed.runs.claimMany([first, second, third, fourth, 9999]);
      expect(claimed.map((r) => r.id).sort((x, y) => x - y)).toEqual([first, second, third]);
      expect(claimed.every((r) => r.status === "running" && r.attempts === 1)).toBe(true);
      expect(await seed.runs.claimMany([first, second])).toEqual([]);

      // Values that JSON alone would mangle: unicode, quotes, nulls, a large count, negative zero.
      const odd = outcome({
        totalJobs: 2 ** 40,
        p99Ms: null,
        outcomes: { 'é "quoted"': 1 },
        summary: { text: "line\nbreak", nested: { list: [1, null, "x"] } },
        responseSample: null,
      });
      const done = await seed.runs.completeMany([
        { id: first, attempt: 1, outcome: outcome({ totalJobs: 1 }) },
        { id: second, attempt: 1, outcome: odd },
        { id: third, attempt: 2, outcome: outcome() },
        { id: fourth, attempt: 1, outcome: outcome() },
        { id: created[4]!.id, attempt: 0, outcome: outcome() },
      ]);
      expect([...done].sort((x, y) => x - y)).toEqual([first, second]);
      expect(await seed.runs.get(first)).toMatchObject({ status: "completed", totalJobs: 1 });
      expect(await seed.runs.get(second)).toMatchObject({ ...odd, status: "completed" });
      expect((await seed.runs.get(second))!.finishedAt).toBeInstanceOf(Date);
      expect(await seed.runs.get(third)).toMatchObject({ status: "running", totalJobs: null });
      expect(await seed.runs.get(fourth)).toMatchObject({ status: "cancelled" });
      expect(await seed.runs.get(created[4]!.id)).toMatchObject({ status: "pending" });
    });

    it("ends a pending or a running run, keeping what it measured, but never a finished one", async () => {
      const pending = await seed.run(null, a);
      expect(await seed.runs.end(pending.id, "cancelled", "cancelled")).toBe(true);
      expect(await seed.runs.get(pending.id)).toMatchObject({
        status: "cancelled",
        reason: "cancelled",
        error: null,
        passed: false,
      });

      const running = await seed.run(null, a);
      await seed.runs.claim(running.id);
      const measured = { totalJobs: 4, durationS: 0.5, passed: true };
      expect(await seed.runs.end(running.id, "failed", "error", { error: "boom", outcome: measured })).toBe(
        true,
      );
      const failed = await seed.runs.get(running.id);
      // `passed` is forced false whatever the outcome says: a failed run never passes.
      expect(failed).toMatchObject({
        status: "failed",
        reason: "error",
        error: "boom",
        totalJobs: 4,
        passed: false,
      });
      expect(failed!.finishedAt).toBeInstanceOf(Date);

      const completed = await seed.run(null, a);
      await seed.runs.claim(completed.id);
      await seed.runs.complete(completed.id, 1, outcome());
      expect(await seed.runs.end(completed.id, "failed", "interrupted")).toBe(false);
      expect(await seed.runs.end(pending.id, "failed", "interrupted")).toBe(false);
      expect(await seed.runs.get(completed.id)).toMatchObject({
        status: "completed",
        reason: null,
        passed: true,
      });
      expect((await seed.runs.get(pending.id))!.status).toBe("cancelled");
    });

    it("flags a running run for cancellation, which its executor learns at its next heartbeat", async () => {
      const run = await seed.run(null, a);
      await seed.runs.requestCancel(run.id);
      expect(await seed.runs.heartbeat(run.id, 0)).toBeUndefined();
      await seed.runs.claim(run.id);
      expect(await seed.runs.heartbeat(run.id, 1)).toEqual({ cancelRequested: false });
      await seed.runs.requestCancel(run.id);
      expect(await seed.runs.heartbeat(run.id, 1)).toEqual({ cancelRequested: true });
      expect(await seed.runs.heartbeat(9999, 1)).toBeUndefined();
    });

    it("fences a run's writes by attempt: a heartbeat, completion or end of another attempt changes nothing", async () => {
      const run = await seed.run(null, a);
      await seed.runs.claim(run.id);
      expect(await seed.runs.heartbeat(run.id, 2)).toBeUndefined();
      expect(await seed.runs.complete(run.id, 2, outcome())).toBe(false);
      expect(await seed.runs.end(run.id, "failed", "interrupted", { attempt: 0 })).toBe(false);
      expect(await seed.runs.get(run.id)).toMatchObject({ status: "running", attempts: 1 });
      expect(await seed.runs.end(run.id, "cancelled", "cancelled", { attempt: 1 })).toBe(true);
      expect(await seed.runs.get(run.id)).toMatchObject({ status: "cancelled", attempts: 1 });
    });

    it("lists the pending run ids oldest first", async () => {
      const [r1, r2, r3, r4] = [
        await seed.run(null, a),
        await seed.run(null, a),
        await seed.run(null, a),
        await seed.run(null, a),
      ];
      await seed.runs.claim(r2!.id);
      await seed.runs.end(r4!.id, "cancelled", "cancelled");
      expect(await seed.runs.pending()).toEqual([
        { id: r1!.id, attempts: 0 },
        { id: r3!.id, attempts: 0 },
      ]);
      expect(await seed.runs.pending({ limit: 1 })).toEqual([{ id: r1!.id, attempts: 0 }]);
      expect(await seed.runs.pending({ olderThanMs: 60_000 })).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect((await seed.runs.pending({ olderThanMs: 10 })).map((r) => r.id)).toEqual([r1!.id, r3!.id]);
    });

    it("records a run that already happened as completed, attempted once", async () => {
      const startedAt = new Date("2024-05-01T10:00:00.250Z");
      const finishedAt = new Date("2024-05-01T10:00:01.500Z");
      const run = await seed.runs.createFinished(
        { source: "benchmark_api", spec: { job: { kind: "synthetic" } }, environment: { x: 1 } },
        outcome(),
        startedAt,
        finishedAt,
      );
      expect(run).toMatchObject({
        ...outcome(),
        status: "completed",
        attempts: 1,
        scenarioId: null,
        source: "benchmark_api",
      });
      expect(await seed.runs.get(run.id)).toMatchObject({ startedAt, finishedAt });
      expect(await seed.runs.pending()).toEqual([]);
    });

    it("recovers interrupted runs: rerun scenarios' go back to pending, the others fail as interrupted", async () => {
      const rerun = await seed.scenario(a, "rerun", { onInterrupt: "rerun" });
      const fail = await seed.scenario(a, "fail", { onInterrupt: "fail" });
      const requeue = await seed.run(rerun, a);
      const interrupted = await seed.run(fail, a);
      const orphan = await seed.run(null, a);
      const waiting = await seed.run(rerun, a);
      const done = await seed.run(rerun, a);
      const cancelling = await seed.run(rerun, a);
      for (const run of [requeue, interrupted, orphan, done, cancelling]) await seed.runs.claim(run.id);
      await seed.runs.requestCancel(cancelling.id);
      await seed.runs.complete(done.id, 1, outcome());

      expect(await seed.runs.recoverInterrupted()).toEqual({
        requeued: [{ id: requeue.id, attempts: 1 }],
        failed: 2,
        cancelled: 1,
      });
      // A cancellation requested before the crash is honoured rather than run again.
      expect(await seed.runs.get(cancelling.id)).toMatchObject({ status: "cancelled", reason: "cancelled" });
      expect(await seed.runs.get(requeue.id)).toMatchObject({
        status: "pending",
        startedAt: null,
        cancelRequested: false,
        attempts: 1,
      });
      for (const run of [interrupted, orphan]) {
        const after = await seed.runs.get(run.id);
        expect(after).toMatchObject({ status: "failed", reason: "interrupted", passed: false });
        expect(after!.finishedAt).toBeInstanceOf(Date);
      }
      expect(await seed.runs.get(waiting.id)).toMatchObject({ status: "pending", attempts: 0 });
      expect(await seed.runs.get(done.id)).toMatchObject({ status: "completed", passed: true });
      expect((await seed.runs.pending()).map((r) => r.id)).toEqual([requeue.id, waiting.id]);
      expect(await seed.runs.recoverInterrupted()).toEqual({ requeued: [], failed: 0, cancelled: 0 });
    });

    it("recovers only the running runs whose heartbeat is older than the lease, re-running each at most maxAttempts times", async () => {
      const rerun = await seed.scenario(a, "rerun", { onInterrupt: "rerun" });
      const alive = await seed.run(rerun, a);
      const dead = await seed.run(rerun, a);
      const deadAgain = await seed.run(rerun, a);
      for (const run of [alive, dead, deadAgain]) await seed.runs.claim(run.id);
      // deadAgain has already been re-run twice: its third loss is final.
      for (let i = 0; i < 2; i++) {
        await t.store.db.execute(sql`update runs set status = 'pending' where id = ${deadAgain.id}`);
        await seed.runs.claim(deadAgain.id);
      }
      await t.store.db.execute(
        sql`update runs set heartbeat_at = now() - interval '1 minute' where id in (${dead.id}, ${deadAgain.id})`,
      );
      await seed.runs.heartbeat(alive.id, 1);
      expect(await seed.runs.recoverInterrupted({ staleForMs: 30_000, maxAttempts: 3 })).toEqual({
        requeued: [{ id: dead.id, attempts: 1 }],
        failed: 1,
        cancelled: 0,
      });
      expect(await seed.runs.get(alive.id)).toMatchObject({ status: "running", attempts: 1 });
      expect(await seed.runs.get(dead.id)).toMatchObject({ status: "pending", heartbeatAt: null });
      expect(await seed.runs.get(deadAgain.id)).toMatchObject({
        status: "failed",
        reason: "interrupted",
        attempts: 3,
      });
      // The re-run is a new attempt: the dead executor's late completion is refused.
      await seed.runs.claim(dead.id);
      expect(await seed.runs.complete(dead.id, 1, outcome())).toBe(false);
      expect(await seed.runs.complete(dead.id, 2, outcome())).toBe(true);
    });
  });

  describe("listing runs", () => {
    const PAGE = { sort: "created_at", order: "desc", limit: 100 } as const;

    it("filters by scenario, automation, statuses and creation window", async () => {
      const a = await seed.automation("a");
      const b = await seed.automation("b");
      const sa = await seed.scenario(a, "sa");
      const sb = await seed.scenario(b, "sb");
      const r1 = await seed.run(sa, a);
      const r2 = await seed.run(sa, a);
      const r3 = await seed.run(sb, b);
      const r4 = await seed.run(null, b);
      await patchRun(r1.id, { createdAt: new Date("2024-01-01T00:00:00Z") });
      await patchRun(r2.id, { createdAt: new Date("2024-01-02T00:00:00Z"), status: "completed" });
      await patchRun(r3.id, { createdAt: new Date("2024-01-03T00:00:00Z"), status: "failed" });
      await patchRun(r4.id, { createdAt: new Date("2024-01-04T00:00:00Z"), status: "running" });
      const ids = async (filter: Parameters<typeof seed.runs.list>[0]) =>
        (await seed.runs.list(filter, PAGE)).rows.map((r) => r.id);

      expect(await ids({})).toEqual([r4.id, r3.id, r2.id, r1.id]);
      expect(await ids({ scenarioId: sa.id })).toEqual([r2.id, r1.id]);
      expect(await ids({ automationId: b.id })).toEqual([r4.id, r3.id]);
      expect(await ids({ statuses: ["completed", "failed"] })).toEqual([r3.id, r2.id]);
      expect(await ids({ statuses: [] })).toEqual([r4.id, r3.id, r2.id, r1.id]);
      // `from` is inclusive, `to` exclusive.
      expect(await ids({ from: new Date("2024-01-02T00:00:00Z") })).toEqual([r4.id, r3.id, r2.id]);
      expect(await ids({ to: new Date("2024-01-03T00:00:00Z") })).toEqual([r2.id, r1.id]);
      expect(
        await ids({
          automationId: a.id,
          statuses: ["pending", "completed"],
          from: new Date("2024-01-01T00:00:00Z"),
          to: new Date("2024-01-02T00:00:01Z"),
        }),
      ).toEqual([r2.id, r1.id]);
      expect(await ids({ scenarioId: sb.id, statuses: ["pending"] })).toEqual([]);
    });

    it("leaves out the bulky columns", async () => {
      const a = await seed.automation("a");
      const run = await seed.run(null, a);
      await patchRun(run.id, { histogram: "H", timeline: [1], summary: { s: 1 } });
      const { rows } = await seed.runs.list({}, PAGE);
      expect(rows).toHaveLength(1);
      for (const key of ["histogram", "timeline", "summary", "spec", "sortValue"])
        expect(rows[0]).not.toHaveProperty(key);
      expect(rows[0]).toMatchObject({ id: run.id, scenarioName: "deleted scenario", automationName: "a" });
    });

    it("stops at the limit and says where the next page starts", async () => {
      const a = await seed.automation("a");
      const created = [];
      for (let i = 0; i < 5; i++) created.push(await seed.run(null, a));
      const first = await seed.runs.list({}, { sort: "created_at", order: "asc", limit: 2 });
      expect(first.rows.map((r) => r.id)).toEqual([created[0]!.id, created[1]!.id]);
      expect(first.next).toMatchObject({ id: created[1]!.id });
      const exact = await seed.runs.list({}, { sort: "created_at", order: "asc", limit: 5 });
      expect(exact.rows).toHaveLength(5);
      expect(exact.next).toBeUndefined();
    });

    /**
     * 23 runs whose sort values tie often, are null often (pending runs), and differ by a
     * microsecond in creation time, so keyset pagination must break ties by id.
     */
    const N = 23;
    const stamp = (hour: number, second: number, micros: string) =>
      `2024-05-01T${String(hour).padStart(2, "0")}:00:${String(second).padStart(2, "0")}.${micros}Z`;
    const dataset = Array.from({ length: N }, (_, i) => ({
      created_at: stamp(10, Math.floor(i / 4), i % 2 ? "123457" : "123456"),
      started_at: i % 5 === 0 ? null : stamp(11, i % 3, "500000"),
      duration_s: i % 4 === 0 ? null : [1.5, 2.25, 1.5][i % 3]!,
      p95_ms: i % 6 === 0 ? null : 100 + (i % 2) * 0.1,
      cost: i % 7 === 0 ? null : i % 3 ? 0.5 : 0.1 + 0.2,
      success_rate: i % 4 === 1 ? null : [1, 0.95, 0][i % 3]!,
    }));

    /** The order the API promises: by the sort value (null lowest), then by id. */
    function expectedOrder(ids: number[], sort: RunSort, order: "asc" | "desc"): number[] {
      const key = (i: number): number | string => dataset[i]![sort] ?? -1;
      const indexes = ids.map((_, i) => i);
      indexes.sort((x, y) => {
        const kx = key(x);
        const ky = key(y);
        if (typeof kx === typeof ky && kx !== ky) return kx < ky ? -1 : 1;
        if (typeof kx !== typeof ky) return typeof kx === "number" ? -1 : 1;
        return ids[x]! - ids[y]!;
      });
      if (order === "desc") indexes.reverse();
      return indexes.map((i) => ids[i]!);
    }

    async function seedDataset(): Promise<number[]> {
      const a = await seed.automation("a");
      const ids: number[] = [];
      for (const row of dataset) {
        const run = await seed.run(null, a);
        ids.push(run.id);
        await t.store.db.execute(sql`
          update runs set
            created_at = ${row.created_at}::timestamptz,
            started_at = ${row.started_at}::timestamptz,
            duration_s = ${row.duration_s}, p95_ms = ${row.p95_ms}, cost = ${row.cost},
            success_rate = ${row.success_rate},
            status = ${row.started_at === null ? "pending" : "completed"}
          where id = ${run.id}`);
      }
      return ids;
    }

    const cases = RUN_SORTS.flatMap((sort) =>
      (["asc", "desc"] as const).map((order) => [sort, order] as const),
    );

    it.each(cases)(
      "pages by %s %s, every run exactly once in order, ties broken by id",
      async (sort, order) => {
        const ids = await seedDataset();
        const seen: number[] = [];
        let after: { value: number; id: number } | undefined;
        for (let page = 0; page < N + 2; page++) {
          const result = await seed.runs.list({}, { sort, order, limit: 4, after });
          seen.push(...result.rows.map((r) => r.id));
          if (!result.next) break;
          expect(result.rows).toHaveLength(4);
          after = result.next;
        }
        expect(seen).toEqual(expectedOrder(ids, sort, order));
      },
    );

    it("pages one run at a time under a status filter without losing or repeating any", async () => {
      const ids = await seedDataset();
      const statuses: RunStatus[] = ["completed"];
      const seen: number[] = [];
      let after: { value: number; id: number } | undefined;
      do {
        const result = await seed.runs.list({ statuses }, { sort: "cost", order: "desc", limit: 1, after });
        seen.push(...result.rows.map((r) => r.id));
        after = result.next;
      } while (after && seen.length <= N);
      const completed = ids.filter((_, i) => dataset[i]!.started_at !== null);
      expect(seen).toEqual(expectedOrder(ids, "cost", "desc").filter((id) => completed.includes(id)));
    });
  });

  describe("KPI queries and rollups", () => {
    let kpis: KpisQuery;
    let a: AutomationRow;
    beforeAll(() => {
      kpis = new KpisQuery(t.store.db);
    });
    beforeEach(async () => {
      a = await seed.automation("a");
    });

    const T = new Date("2024-03-15T10:20:00Z");
    const hour = (iso: string): BucketRange => ({
      level: "hour",
      from: new Date(iso),
      to: new Date(new Date(iso).getTime() + 3_600_000),
    });
    const DAY: BucketRange = {
      level: "day",
      from: new Date("2024-03-15T00:00:00Z"),
      to: new Date("2024-03-16T00:00:00Z"),
    };
    const MONTH: BucketRange = {
      level: "month",
      from: new Date("2024-03-01T00:00:00Z"),
      to: new Date("2024-04-01T00:00:00Z"),
    };

    /** A pending run created at `createdAt` (so its rollup buckets are known). */
    async function runAt(scenario: ScenarioRow | null, createdAt = T): Promise<RunRow> {
      const run = await seed.run(scenario, a);
      await patchRun(run.id, { createdAt });
      return run;
    }

    async function completed(scenario: ScenarioRow | null, values: Partial<RunOutcome>, createdAt = T) {
      const run = await runAt(scenario, createdAt);
      await seed.runs.claim(run.id);
      expect(await seed.runs.complete(run.id, 1, outcome(values))).toBe(true);
      return run;
    }

    /** Rollup rows by scenario key, histograms replaced by their total count. */
    async function rollupsOf(range: BucketRange, scenarioId?: number) {
      const rows = await kpis.rollups([range], scenarioId);
      return Object.fromEntries(
        rows.map(({ histogram, ...row }) => [
          row.scenarioKey,
          { ...row, histogram: histogram === null ? null : decodeHistogram(histogram).totalCount },
        ]),
      );
    }

    it("adds every finished run to its hour, day and month rollups, once", async () => {
      const s1 = await seed.scenario(a, "s1");
      const s2 = await seed.scenario(a, "s2");
      const r1 = await completed(s1, {
        passed: true,
        totalJobs: 10,
        failedJobs: 1,
        cost: 0.25,
        histogram: histogramOf(10, 1000),
      });
      await completed(s1, {
        passed: false,
        totalJobs: 5,
        failedJobs: 2,
        cost: 0.5,
        histogram: histogramOf(5, 3000),
      });
      const r3 = await runAt(s1);
      await seed.runs.claim(r3.id);
      await seed.runs.end(r3.id, "failed", "error", {
        error: "boom",
        outcome: { totalJobs: 3, failedJobs: 3, histogram: histogramOf(3, 500) },
      });
      const r4 = await runAt(s1);
      await seed.runs.end(r4.id, "cancelled", "cancelled");
      const r5 = await runAt(s2);
      await seed.runs.claim(r5.id);
      await seed.runs.recoverInterrupted();
      await completed(null, {
        passed: true,
        totalJobs: 2,
        failedJobs: 0,
        cost: 0,
        histogram: histogramOf(2, 700),
      });
      await completed(
        s1,
        { passed: true, totalJobs: 4, failedJobs: 0, cost: 1, histogram: histogramOf(4, 800) },
        new Date("2024-03-15T13:05:00Z"),
      );
      // Neither a second completion nor a late end changes what was counted.
      expect(await seed.runs.complete(r1.id, 1, outcome())).toBe(false);
      expect(await seed.runs.end(r1.id, "failed", "interrupted")).toBe(false);
      await runAt(s1); // pending: not finished, not rolled up
      // The aggregator folds them (a second pass finds nothing left to count).
      expect(await foldFinishedRuns(t.store.db)).toBe(7);
      expect(await foldFinishedRuns(t.store.db)).toBe(0);

      const zero = {
        completed: 0,
        failed: 0,
        cancelled: 0,
        passed: 0,
        jobs: 0,
        failedJobs: 0,
        cost: 0,
        histogram: null,
      };
      const tenOClock = await rollupsOf(hour("2024-03-15T10:00:00Z"));
      expect(tenOClock).toEqual({
        [s1.id]: {
          level: "hour",
          bucket: new Date("2024-03-15T10:00:00Z"),
          scenarioKey: s1.id,
          completed: 2,
          failed: 1,
          cancelled: 1,
          passed: 1,
          jobs: 18,
          failedJobs: 6,
          cost: 0.75,
          histogram: 18,
        },
        [s2.id]: {
          ...zero,
          level: "hour",
          bucket: new Date("2024-03-15T10:00:00Z"),
          scenarioKey: s2.id,
          failed: 1,
        },
        0: {
          ...zero,
          level: "hour",
          bucket: new Date("2024-03-15T10:00:00Z"),
          scenarioKey: 0,
          completed: 1,
          passed: 1,
          jobs: 2,
          histogram: 2,
        },
      });
      for (const range of [DAY, MONTH]) {
        const rows = await rollupsOf(range, s1.id);
        expect(Object.keys(rows)).toEqual([String(s1.id)]);
        expect(rows[s1.id]).toMatchObject({
          bucket: range.from,
          completed: 3,
          failed: 1,
          cancelled: 1,
          passed: 2,
          jobs: 22,
          cost: 1.75,
          histogram: 22,
        });
      }
      expect(await rollupsOf(hour("2024-03-15T13:00:00Z"))).toMatchObject({
        [s1.id]: { completed: 1, jobs: 4 },
      });
      expect(await kpis.rollups([hour("2024-03-15T11:00:00Z")])).toEqual([]);
      expect(await kpis.rollups([])).toEqual([]);
    });

    it("merges runs finishing at the same moment into one bucket without losing any, however the folds race", async () => {
      const s = await seed.scenario(a, "s");
      const created = [];
      for (let i = 1; i <= 8; i++) {
        const run = await runAt(s);
        await seed.runs.claim(run.id);
        created.push({ id: run.id, jobs: i });
      }
      const done = await Promise.all(
        created.map(({ id, jobs }) =>
          seed.runs.complete(
            id,
            1,
            outcome({ totalJobs: jobs, failedJobs: 0, histogram: histogramOf(jobs, 1000 * jobs) }),
          ),
        ),
      );
      expect(done).toEqual(Array(8).fill(true));
      // Folders racing each other (one folds while the others skip) lose nothing and count nothing twice.
      const folded = await Promise.all([1, 2, 3, 4].map(() => foldFinishedRuns(t.store.db, 3)));
      let rest = 0;
      while ((rest = await foldFinishedRuns(t.store.db, 3)) > 0) folded.push(rest);
      expect(folded.reduce((sum, n) => sum + n, 0)).toBe(8);
      for (const range of [hour("2024-03-15T10:00:00Z"), DAY, MONTH])
        expect((await rollupsOf(range))[s.id]).toMatchObject({ completed: 8, jobs: 36, histogram: 36 });
    });

    it("keeps the rollups folded in batches equal to a rebuild from the runs", async () => {
      const s = await seed.scenario(a, "s");
      await completed(s, { totalJobs: 3, histogram: histogramOf(3, 100) });
      await completed(
        null,
        { totalJobs: 2, histogram: histogramOf(2, 100) },
        new Date("2024-03-14T23:59:59Z"),
      );
      const ended = await runAt(s, new Date("2024-02-29T12:00:00Z"));
      await seed.runs.end(ended.id, "cancelled", "cancelled");
      const snapshot = async () =>
        (await t.store.db.select().from(runRollups)).sort((x, y) =>
          `${x.level}${x.scenarioKey}${x.bucket.getTime()}`.localeCompare(
            `${y.level}${y.scenarioKey}${y.bucket.getTime()}`,
          ),
        );
      await foldFinishedRuns(t.store.db, 2);
      await foldFinishedRuns(t.store.db, 2);
      const incremental = await snapshot();
      expect(incremental).toHaveLength(9);
      await rebuildRollups(t.store.db, 2);
      expect(await snapshot()).toEqual(incremental);
    });

    // A run recorded as already finished (the seed's POST /benchmark/run) must reach the rollups
    // too, or the dashboard misses it for every window it covers with whole buckets.
    it("counts a run recorded as already finished in its rollups, as a rebuild does", async () => {
      await seed.runs.createFinished({ source: "benchmark_api", spec: {} }, outcome(), T, T);
      expect(await foldFinishedRuns(t.store.db)).toBe(1);
      const incremental = await t.store.db.select().from(runRollups);
      await rebuildRollups(t.store.db);
      expect(await t.store.db.select().from(runRollups)).toHaveLength(3);
      expect(incremental).toHaveLength(3);
    });

    it("lists the finished runs created in raw ranges, optionally of one scenario", async () => {
      const s1 = await seed.scenario(a, "s1");
      const s2 = await seed.scenario(a, "s2");
      await completed(s1, { totalJobs: 1 }, new Date("2024-03-15T10:05:00Z"));
      await completed(s2, { totalJobs: 2 }, new Date("2024-03-15T10:10:00Z"));
      await completed(s1, { totalJobs: 3 }, new Date("2024-03-15T10:30:00Z")); // outside both ranges
      await completed(s1, { totalJobs: 4 }, new Date("2024-03-15T10:50:00Z"));
      await runAt(s1, new Date("2024-03-15T10:06:00Z")); // pending: not finished
      const ranges = [
        { from: new Date("2024-03-15T10:00:00Z"), to: new Date("2024-03-15T10:30:00Z") },
        { from: new Date("2024-03-15T10:45:00Z"), to: new Date("2024-03-15T11:00:00Z") },
      ];
      const jobs = (rows: { totalJobs: number | null }[]) => rows.map((r) => r.totalJobs).sort();
      expect(jobs(await kpis.finishedIn(ranges))).toEqual([1, 2, 4]);
      expect(jobs(await kpis.finishedIn(ranges, s1.id))).toEqual([1, 4]);
      expect(await kpis.finishedIn([])).toEqual([]);
      const [row] = await kpis.finishedIn(ranges, s2.id);
      expect(row).toEqual({
        scenarioId: s2.id,
        status: "completed",
        passed: true,
        totalJobs: 2,
        failedJobs: 1,
        cost: 0.25,
        histogram: expect.any(String),
      });
    });

    it("counts the pending and running runs live, per scenario and status", async () => {
      const s1 = await seed.scenario(a, "s1");
      const s2 = await seed.scenario(a, "s2");
      await runAt(s1);
      await runAt(s1);
      const running = await runAt(s1);
      await seed.runs.claim(running.id);
      await runAt(s2, new Date("2024-03-16T00:00:00Z"));
      await completed(s2, {});
      const key = (r: { scenarioId: number | null; status: string }) => `${r.scenarioId}/${r.status}`;
      const sorted = <R extends { scenarioId: number | null; status: string }>(rows: R[]) =>
        rows.sort((x, y) => key(x).localeCompare(key(y)));
      expect(sorted(await kpis.live({}))).toEqual(
        sorted([
          { scenarioId: s1.id, status: "pending", runs: 2 },
          { scenarioId: s1.id, status: "running", runs: 1 },
          { scenarioId: s2.id, status: "pending", runs: 1 },
        ]),
      );
      expect(await kpis.live({ scenarioId: s2.id })).toEqual([
        { scenarioId: s2.id, status: "pending", runs: 1 },
      ]);
      expect(await kpis.live({ to: new Date("2024-03-16T00:00:00Z"), scenarioId: s2.id })).toEqual([]);
      // The status filter is the method's own: asking for finished runs still answers live ones.
      expect(
        sorted(await kpis.live({ statuses: ["completed"], scenarioId: s1.id })).map((r) => r.runs),
      ).toEqual([2, 1]);
    });

    it("names scenarios, and a deleted one by the last name its runs recorded", async () => {
      const s1 = await seed.scenario(a, "alive");
      const s2 = await seed.scenario(a, "doomed");
      await runAt(s2, new Date("2024-01-01T00:00:00Z"));
      await seed.scenarios.update(s2.id, { name: "doomed-renamed", automationId: a.id, load: s2.load });
      const renamed = (await seed.scenarios.get(s2.id))!;
      await runAt(renamed, new Date("2024-02-01T00:00:00Z"));
      expect(await seed.scenarios.delete(s2.id)).toBe(true);
      const names = await kpis.names([s1.id, s2.id, 9999]);
      expect(Object.fromEntries(names)).toEqual({ [s1.id]: "alive", [s2.id]: "doomed-renamed" });
      expect((await kpis.names([])).size).toBe(0);
    });

    it("lists the most recent runs first, up to the limit, without bulky columns", async () => {
      const s = await seed.scenario(a, "s");
      const runs = [];
      for (let i = 0; i < 4; i++) runs.push(await seed.run(i % 2 ? s : null, a));
      // Two runs created at the same instant: the higher id counts as more recent.
      await patchRun(runs[0]!.id, { createdAt: new Date("2024-01-01T00:00:00Z") });
      await patchRun(runs[2]!.id, { createdAt: new Date("2024-01-01T00:00:00Z") });
      const recent = await kpis.recent({}, 3);
      expect(recent.map((r) => r.id)).toEqual([runs[3]!.id, runs[1]!.id, runs[2]!.id]);
      expect(recent[0]).not.toHaveProperty("histogram");
      expect(recent[0]).not.toHaveProperty("spec");
      expect((await kpis.recent({ scenarioId: s.id }, 10)).map((r) => r.id)).toEqual([
        runs[3]!.id,
        runs[1]!.id,
      ]);
    });
  });

  describe("secrets", () => {
    const env: Record<string, string> = { PROVIDER_KEY: "env-value-123" };
    let service: SecretService;
    beforeAll(() => {
      service = new SecretService(t.store.db, new SecretBox(randomBytes(32)), (name) => env[name]);
    });

    it("stores a secret, then replaces it, listing names and dates only", async () => {
      expect(await service.put("tinyfish", "first-value")).toBe("created");
      expect(await service.put("other", "x")).toBe("created");
      expect(await service.put("tinyfish", "second-value")).toBe("updated");
      const listed = await service.list();
      expect(listed.map((s) => s.name)).toEqual(["other", "tinyfish"]);
      for (const entry of listed)
        expect(Object.keys(entry).sort()).toEqual(["createdAt", "name", "updatedAt"]);
      expect(await service.resolve({ secret: "tinyfish" })).toBe("second-value");
    });

    it("keeps only ciphertext at rest", async () => {
      const value = "plain-text-secret-value";
      await service.put("k", value);
      const [row] = await t.store.db.select().from(secretsTable);
      expect(row!.ciphertext).toMatch(/^v1\./);
      expect(row!.ciphertext).not.toContain(value);
      expect(row!.ciphertext).not.toContain(Buffer.from(value).toString("base64url").slice(0, 12));
    });

    it("resolves stored secrets and environment references", async () => {
      await service.put("stored", "stored-value");
      expect(await service.resolve({ secret: "stored" })).toBe("stored-value");
      expect(await service.resolve({ env: "PROVIDER_KEY" })).toBe("env-value-123");
    });

    it("refuses an unknown reference with an error naming it and no value", async () => {
      await service.put("known", "known-value");
      const secret = await rejection(service.resolve({ secret: "missing" }));
      expect((secret as Error).message).toContain("missing");
      expect((secret as Error).message).not.toContain("known-value");
      const variable = await rejection(service.resolve({ env: "NOT_SET_ANYWHERE" }));
      expect((variable as Error).message).toContain("NOT_SET_ANYWHERE");
      expect((variable as Error).message).not.toContain("env-value-123");
    });

    it("does not open a ciphertext moved under another name", async () => {
      await service.put("a", "value-a");
      await service.put("b", "value-b");
      await t.store.db.execute(
        sql`update secrets set ciphertext = (select ciphertext from secrets where name = 'a') where name = 'b'`,
      );
      const error = await rejection(service.resolve({ secret: "b" }));
      expect((error as Error).message).not.toContain("value-a");
    });

    it("deletes a secret once, after which it no longer resolves", async () => {
      await service.put("gone", "v");
      expect(await service.delete("gone")).toBe(true);
      expect(await service.delete("gone")).toBe(false);
      expect(await service.list()).toEqual([]);
      await expect(service.resolve({ secret: "gone" })).rejects.toThrow(/gone/);
    });
  });

  describe("migrations", () => {
    it("applies nothing the second time, keeping the data", async () => {
      const a = await seed.automation("kept");
      const count = async () =>
        Number(
          (
            (await t.store.db.execute(
              sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
            )) as unknown as {
              rows: { n: number }[];
            }
          ).rows[0]!.n,
        );
      const before = await count();
      expect(before).toBeGreaterThan(0);
      await t.store.migrate();
      await t.store.migrate();
      expect(await count()).toBe(before);
      expect(await seed.automations.get(a.id)).toEqual(a);
    });
  });
});

describe.each(DRIVERS)("the planner's first statistics on runs, on %s", (driver) => {
  let t: TestStore;
  beforeAll(async () => {
    // A store of its own: other tests' rollup rebuilds analyze runs. Nor may PostgreSQL's
    // autovacuum analyze it meanwhile.
    t = await openTestStore(driver);
    await t.store.db.execute(sql`alter table runs set (autovacuum_enabled = false)`);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const ofRuns = async (column: string) => {
    const [row] = await t.store.db
      .select({ n: sql<number>`${sql.raw(column)}`.mapWith(Number) })
      .from(sql`pg_class`)
      .where(sql`oid = 'runs'::regclass`);
    return row!.n;
  };
  const reltuples = () => ofRuns("reltuples");
  const bytes = () => ofRuns("pg_relation_size(oid)");

  it("gathers them once the new table holds 16 pages of runs, not before, and once", async () => {
    const seed = seeder(t.store.db);
    const a = await seed.automation("a");
    expect(await reltuples()).toBe(-1);
    expect(await seed.runs.analyzeIfNew()).toBe(false);
    let created = 0;
    while ((await bytes()) < ANALYZE_AFTER_BYTES) {
      for (let i = 0; i < 20; i++) await seed.run(null, a);
      created += 20;
      // Still too small: an empty table's statistics would plan for an empty table again.
      if ((await bytes()) < ANALYZE_AFTER_BYTES) expect(await seed.runs.analyzeIfNew()).toBe(false);
    }
    expect(await reltuples()).toBe(-1);
    expect(await seed.runs.analyzeIfNew()).toBe(true);
    expect(await reltuples()).toBe(created);
    for (let i = 0; i < 20; i++) await seed.run(null, a);
    expect(await seed.runs.analyzeIfNew()).toBe(false);
    expect(await reltuples()).toBe(created);
  });
});
