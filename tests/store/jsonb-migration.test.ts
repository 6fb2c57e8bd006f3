import { readFile } from "node:fs/promises";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runs } from "../../src/store/schema.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

const MIGRATION = new URL("../../drizzle/0005_jsonb_strings_to_objects.sql", import.meta.url);

describe.each(DRIVERS)("migration 0005 on %s", (driver) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(driver);
  });
  afterAll(() => t?.close());

  it("turns JSON measurements stored as strings into JSON values, and leaves other strings alone", async () => {
    // What completions wrote before: each value a JSON string holding the JSON.
    const [old] = await t.store.db
      .insert(runs)
      .values({ source: "trigger", spec: {} })
      .returning({ id: runs.id });
    await t.store.db.execute(sql`update runs set
      outcomes = to_jsonb('{"succeeded":3}'::text),
      summary = to_jsonb('{"counts":{"total":3}}'::text),
      timeline = to_jsonb('[{"t":0}]'::text),
      response_sample = to_jsonb('plain text sample'::text)
      where id = ${old!.id}`);
    for (const statement of (await readFile(MIGRATION, "utf8")).split("--> statement-breakpoint"))
      await t.store.db.execute(sql.raw(statement));
    const [row] = await t.store.db
      .select({
        outcomes: sql<string>`jsonb_typeof(${runs.outcomes})`,
        summary: sql<string>`jsonb_typeof(${runs.summary})`,
        timeline: sql<string>`jsonb_typeof(${runs.timeline})`,
        sample: sql<string>`${runs.responseSample} #>> '{}'`,
        succeeded: sql<number>`(${runs.outcomes} ->> 'succeeded')::int`,
      })
      .from(runs)
      .where(eq(runs.id, old!.id));
    expect(row).toEqual({
      outcomes: "object",
      summary: "object",
      timeline: "array",
      sample: "plain text sample",
      succeeded: 3,
    });
  });
});
