import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TaskLeasesRepo } from "../../src/store/task-leases-repo.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DRIVERS)("task leases on %s", (driver) => {
  let t: TestStore;
  let leases: TaskLeasesRepo;
  beforeAll(async () => {
    t = await openTestStore(driver);
    leases = new TaskLeasesRepo(t.store.db);
  });
  beforeEach(() => t.reset());
  afterAll(() => t?.close());

  it("one holder at a time; the holder renews and takes again; kinds and ids are separate", async () => {
    expect(await leases.claim("experiment", 1, "a", 60_000)).toBe(true);
    expect(await leases.claim("experiment", 1, "b", 60_000)).toBe(false);
    expect(await leases.claim("experiment", 1, "a", 60_000)).toBe(true);
    expect(await leases.claim("recommendation", 1, "b", 60_000)).toBe(true);
    expect(await leases.claim("experiment", 2, "b", 60_000)).toBe(true);
    expect(await leases.renew("experiment", [1, 2], "a", 60_000)).toEqual([2]);
  });

  it("a lease that ran out is taken by another; its old holder learns it at the next renewal", async () => {
    expect(await leases.claim("collection", 7, "a", 50)).toBe(true);
    expect(await leases.claim("collection", 7, "b", 60_000)).toBe(false);
    await sleep(120);
    expect(await leases.claim("collection", 7, "b", 60_000)).toBe(true);
    expect(await leases.renew("collection", [7], "a", 60_000)).toEqual([7]);
    expect(await leases.renew("collection", [7], "b", 60_000)).toEqual([]);
    // Released by its holder: free at once; a release by someone else changes nothing.
    await leases.release("collection", 7, "a");
    expect(await leases.claim("collection", 7, "c", 60_000)).toBe(false);
    await leases.release("collection", 7, "b");
    expect(await leases.claim("collection", 7, "c", 60_000)).toBe(true);
  });
});
