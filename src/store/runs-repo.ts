import { and, asc, desc, eq, getTableColumns, gte, inArray, is, lt, SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { RUN_SORTS, type RunSort } from "../contracts/run-constants.js";
import type { Database } from "./database.js";
import { automations, type RunStatus, runs, scenarios } from "./schema.js";

export type RunRow = typeof runs.$inferSelect;
/** What a claim answers: what its executor needs, not the run's bulky columns (all null then). */
export type ClaimedRun = Pick<RunRow, "id" | "status" | "attempts" | "startedAt" | "scenarioName" | "spec">;
/** A run to record for a trigger: of which scenario, from where, for which key. */
export type TriggeredRun = Pick<NewRun, "scenarioId" | "source" | "scheduleId" | "apiKeyId">;
export type NewRun = Pick<
  typeof runs.$inferInsert,
  | "scenarioId"
  | "automationId"
  | "scenarioName"
  | "automationName"
  | "source"
  | "scheduleId"
  | "spec"
  | "environment"
  | "apiKeyId"
>;

/** What a finished run records (everything the engine measured). */
export type RunOutcome = Pick<
  typeof runs.$inferInsert,
  | "durationS"
  | "totalJobs"
  | "failedJobs"
  | "successRate"
  | "throughput"
  | "p50Ms"
  | "p95Ms"
  | "p99Ms"
  | "cost"
  | "thresholdsPassed"
  | "passed"
  | "outcomes"
  | "summary"
  | "histogram"
  | "timeline"
  | "responseSample"
>;

export { RUN_SORTS, type RunSort };

const SORT_COLUMNS = {
  created_at: sql`extract(epoch from ${runs.createdAt})`,
  started_at: sql`coalesce(extract(epoch from ${runs.startedAt}), -1)`,
  duration_s: sql`coalesce(${runs.durationS}, -1)`,
  p95_ms: sql`coalesce(${runs.p95Ms}, -1)`,
  cost: sql`coalesce(${runs.cost}, -1)`,
  success_rate: sql`coalesce(${runs.successRate}, -1)`,
} satisfies Record<RunSort, SQL>;

export interface RunFilter {
  scenarioId?: number | undefined;
  automationId?: number | undefined;
  statuses?: readonly RunStatus[] | undefined;
  /** Created at or after. */
  from?: Date | undefined;
  /** Created before. */
  to?: Date | undefined;
}

export interface RunPage {
  sort: RunSort;
  order: "asc" | "desc";
  limit: number;
  /** Position after which the page starts (from the previous page's `next`). */
  after?: { value: number; id: number } | undefined;
}

/** A run without its bulky parts (histogram, timeline, summary), for lists. */
export type RunListRow = Omit<RunRow, "histogram" | "timeline" | "summary" | "spec" | "rolledUp">;

const {
  histogram: _h,
  timeline: _t,
  summary: _s,
  spec: _p,
  rolledUp: _r,
  ...listColumns
} = getTableColumns(runs);

export class RunsRepo {
  readonly #db: Database;
  /**
   * The statements of the trigger → execute path, built once: building a Drizzle query costs
   * more CPU than the database spends running these.
   */
  readonly #prepared: ReturnType<typeof prepare>;
  /** `runs` has statistics (see analyzeIfNew). */
  #analyzed = false;

  constructor(db: Database) {
    this.#db = db;
    this.#prepared = prepare(db);
  }

  async create(values: NewRun): Promise<RunRow> {
    const [row] = await this.createMany([values]);
    return row!;
  }

  /** Records pending runs, as given (tests and tools; triggers go through `trigger`). */
  async createMany(values: readonly NewRun[]): Promise<RunRow[]> {
    if (values.length === 0) return [];
    const rows = await this.#db
      .insert(runs)
      .values([...values])
      .returning();
    // Ids are drawn in row order, but RETURNING promises no order: put the rows back in it.
    return rows.sort((a, b) => a.id - b.id);
  }

  /**
   * Records a pending run of each request's scenario, in one statement whatever their number,
   * and answers their rows in request order; a request whose scenario does not exist records
   * nothing (undefined). Each run's snapshot of what to execute (`RunSpecSnapshot`: the
   * automation and the scenario as they are) is made by the statement from the rows it reads,
   * so it is never older than the run, and a trigger costs one round trip: not a read of the
   * scenario, then an insert.
   */
  async trigger(
    requests: readonly TriggeredRun[],
    environment: Record<string, unknown>,
  ): Promise<(RunRow | undefined)[]> {
    if (requests.length === 0) return [];
    const rows = await this.#prepared.trigger.execute({
      scenarioIds: requests.map((r) => r.scenarioId),
      sources: requests.map((r) => r.source),
      scheduleIds: requests.map((r) => r.scheduleId ?? null),
      apiKeyIds: requests.map((r) => r.apiKeyId ?? null),
      environment: JSON.stringify(environment),
    });
    // RETURNING promises no order: a row goes back to a request that asked for the same run
    // (requests alike are interchangeable), the lowest id to the first of them.
    const byRequest = new Map<string, RunRow[]>();
    for (const row of rows.sort((a, b) => a.id - b.id)) {
      const key = triggerKey(row);
      const alike = byRequest.get(key);
      if (alike) alike.push(row);
      else byRequest.set(key, [row]);
    }
    return requests.map((r) => byRequest.get(triggerKey(r))?.shift());
  }

  /**
   * Gathers the planner's statistics on `runs` once the table holds a few rows but has never
   * had any (a new database); answers whether it did. The hot statements (create, claim,
   * complete) are prepared once per connection, and a plan made while the table was empty (a
   * sequential scan to claim a run) is kept until the table's statistics change: PostgreSQL's
   * autovacuum first gathers them at its next visit (up to a minute later, by default), under
   * load a minute of scans growing with the table; PGlite has no autovacuum. Later statistics
   * are autovacuum's (on PGlite the planner scales these by the table's size).
   */
  async analyzeIfNew(): Promise<boolean> {
    if (this.#analyzed) return false;
    const [row] = await this.#db
      .select({
        reltuples: sql<number>`reltuples`.mapWith(Number),
        bytes: sql<number>`pg_relation_size(oid)`.mapWith(Number),
      })
      .from(sql`pg_class`)
      .where(sql`oid = 'runs'::regclass`);
    if (!row || row.reltuples >= 0) {
      this.#analyzed = true;
      return false;
    }
    // Not while nearly empty: statistics of an empty table would plan for one again.
    if (row.bytes < ANALYZE_AFTER_BYTES) return false;
    await this.#db.execute(sql`analyze runs`);
    this.#analyzed = true;
    return true;
  }

  /** Runs of API key `keyId` pending or running (what its concurrency limit counts). */
  async activeOfKey(keyId: number): Promise<number> {
    const [row] = await this.#db
      .select({ n: sql<number>`count(*)::int` })
      .from(runs)
      .where(and(eq(runs.apiKeyId, keyId), inArray(runs.status, ["pending", "running"])));
    return row?.n ?? 0;
  }

  /** Records a run that already happened (the seed's synchronous `POST /benchmark/run`). */
  async createFinished(
    values: NewRun,
    outcome: RunOutcome,
    startedAt: Date,
    finishedAt: Date,
  ): Promise<RunRow> {
    const [row] = await this.#db
      .insert(runs)
      .values({ ...values, ...outcome, status: "completed", attempts: 1, startedAt, finishedAt })
      .returning();
    return row!;
  }

  async get(id: number): Promise<RunRow | undefined> {
    const [row] = await this.#db.select().from(runs).where(eq(runs.id, id));
    return row;
  }

  async list(filter: RunFilter, page: RunPage): Promise<{ rows: RunListRow[]; next: RunPage["after"] }> {
    const key = SORT_COLUMNS[page.sort];
    // Creation time, the default, sorts on the column itself so that the index serves it.
    const byCreation = page.sort === "created_at";
    const order: SQL = byCreation ? sql`${runs.createdAt}` : key;
    const position = page.after
      ? byCreation
        ? sql`to_timestamp(${page.after.value}::double precision)`
        : sql`${page.after.value}`
      : undefined;
    const before = page.order === "desc";
    const cursor = position
      ? before
        ? sql`(${order}, ${runs.id}) < (${position}, ${page.after!.id})`
        : sql`(${order}, ${runs.id}) > (${position}, ${page.after!.id})`
      : undefined;
    const rows = await this.#db
      .select({ ...listColumns, sortValue: sql<number>`${key}`.mapWith(Number) })
      .from(runs)
      .where(and(...filterClauses(filter), cursor))
      .orderBy(before ? desc(order) : asc(order), before ? desc(runs.id) : asc(runs.id))
      .limit(page.limit + 1);
    const more = rows.length > page.limit;
    const pageRows = more ? rows.slice(0, page.limit) : rows;
    const last = pageRows.at(-1);
    return {
      rows: pageRows.map(({ sortValue: _, ...row }) => row),
      next: more && last ? { value: last.sortValue, id: last.id } : undefined,
    };
  }

  /** pending → running, once: undefined when another executor took it or it is no longer pending. */
  async claim(id: number): Promise<ClaimedRun | undefined> {
    const [row] = await this.claimMany([id]);
    return row;
  }

  /** Claims (pending → running) those of runs `ids` still pending, in one statement. */
  claimMany(ids: readonly number[]): Promise<ClaimedRun[]> {
    return this.#prepared.claim.execute({ ids: [...ids] });
  }

  /**
   * running → completed with its measurements, by the executor of attempt `attempt` (the
   * attempt count its claim answered); false when the run is no longer that attempt's.
   */
  async complete(id: number, attempt: number, outcome: RunOutcome): Promise<boolean> {
    return (await this.completeMany([{ id, attempt, outcome }])).has(id);
  }

  /**
   * Completes running runs with their measurements in one prepared statement (the rows travel
   * as one JSON parameter); answers the ids that were still running and so were completed.
   */
  async completeMany(
    items: readonly { id: number; attempt: number; outcome: RunOutcome }[],
  ): Promise<Set<number>> {
    if (items.length === 0) return new Set();
    const rows = items.map(({ id, attempt, outcome }) => {
      const row: Record<string, unknown> = { id, attempt };
      // JSON columns go in as values: the row itself is JSON (their driver mapping would
      // stringify them, storing a JSON string rather than the object).
      for (const [key, column] of OUTCOME_FIELDS)
        row[column.name] = JSON_COLUMNS.has(column.name)
          ? (outcome[key] ?? null)
          : column.mapToDriverValue(outcome[key] ?? null);
      return row;
    });
    const done = await this.#prepared.complete.execute({
      ids: items.map((item) => item.id),
      rows: JSON.stringify(rows),
    });
    return new Set(done.map((r) => r.id));
  }

  /**
   * Ends a pending or running run as failed or cancelled, keeping what was measured. With
   * `attempt`, only the executor of that attempt can end it (a fence: an executor whose run was
   * taken over after it lost its lease must not overwrite the new attempt's outcome).
   */
  async end(
    id: number,
    status: "failed" | "cancelled",
    reason: string,
    {
      error = null,
      outcome = {},
      attempt,
    }: { error?: string | null; outcome?: Partial<RunOutcome>; attempt?: number } = {},
  ): Promise<boolean> {
    const done = await this.#db
      .update(runs)
      .set({ ...outcome, status, reason, error, passed: false, finishedAt: sql`now()` })
      .where(
        and(
          eq(runs.id, id),
          attempt === undefined
            ? inArray(runs.status, ["pending", "running"])
            : and(eq(runs.status, "running"), eq(runs.attempts, attempt)),
        ),
      )
      .returning({ id: runs.id });
    return done.length > 0;
  }

  /** Marks a running run for cancellation (its executor sees it at its next heartbeat). */
  async requestCancel(id: number): Promise<void> {
    await this.#db
      .update(runs)
      .set({ cancelRequested: true })
      .where(and(eq(runs.id, id), eq(runs.status, "running")));
  }

  /**
   * Renews the lease of attempt `attempt` of a running run. Answers whether a cancellation was
   * requested, or undefined when the run is no longer this attempt's (finished, or reaped).
   */
  async heartbeat(id: number, attempt: number): Promise<{ cancelRequested: boolean } | undefined> {
    const [row] = await this.#db
      .update(runs)
      .set({ heartbeatAt: sql`now()` })
      .where(and(eq(runs.id, id), eq(runs.status, "running"), eq(runs.attempts, attempt)))
      .returning({ cancelRequested: runs.cancelRequested });
    return row;
  }

  /** Runs waiting to execute, oldest first (optionally only those waiting longer than `olderThanMs`). */
  async pending({
    olderThanMs,
    limit,
  }: {
    olderThanMs?: number;
    limit?: number;
  } = {}): Promise<{ id: number; attempts: number }[]> {
    const query = this.#db
      .select({ id: runs.id, attempts: runs.attempts })
      .from(runs)
      .where(
        and(
          eq(runs.status, "pending"),
          olderThanMs === undefined
            ? undefined
            : lt(runs.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
        ),
      )
      .orderBy(asc(runs.id));
    return limit === undefined ? query : query.limit(limit);
  }

  /**
   * Runs whose executor is gone: all running runs (at start, when this process was the only
   * executor), or with `staleForMs` those whose heartbeat is older than that (a killed worker).
   * A requested cancellation is honoured; runs whose scenario says `rerun` go back to pending
   * while they have had fewer than `maxAttempts` attempts; the others fail as `interrupted`.
   * Answers the runs requeued (to be queued again) and how many were failed and cancelled.
   */
  async recoverInterrupted({
    staleForMs,
    maxAttempts = 3,
  }: {
    staleForMs?: number;
    maxAttempts?: number;
  } = {}): Promise<{
    requeued: { id: number; attempts: number }[];
    failed: number;
    cancelled: number;
  }> {
    const orphaned = and(
      eq(runs.status, "running"),
      staleForMs === undefined
        ? undefined
        : sql`coalesce(${runs.heartbeatAt}, ${runs.startedAt}) < now() - make_interval(secs => ${staleForMs / 1000})`,
    );
    return this.#db.transaction(async (tx) => {
      // A cancellation asked for before the executor died is honoured, not re-run.
      const cancelled = await tx
        .update(runs)
        .set({ status: "cancelled", reason: "cancelled", passed: false, finishedAt: sql`now()` })
        .where(and(orphaned, eq(runs.cancelRequested, true)))
        .returning({ id: runs.id });
      const requeued = await tx
        .update(runs)
        .set({ status: "pending", startedAt: null, heartbeatAt: null, cancelRequested: false })
        .where(
          and(
            orphaned,
            lt(runs.attempts, maxAttempts),
            inArray(
              runs.scenarioId,
              tx.select({ id: scenarios.id }).from(scenarios).where(eq(scenarios.onInterrupt, "rerun")),
            ),
          ),
        )
        .returning({ id: runs.id, attempts: runs.attempts });
      const failed = await tx
        .update(runs)
        .set({
          status: "failed",
          reason: "interrupted",
          error: "the process executing this run stopped before it finished",
          passed: false,
          finishedAt: sql`now()`,
        })
        .where(orphaned)
        .returning({ id: runs.id });
      return { requeued, failed: failed.length, cancelled: cancelled.length };
    });
  }
}

/** The columns a finished run's measurements fill. */
const OUTCOME_COLUMNS = [
  "durationS",
  "totalJobs",
  "failedJobs",
  "successRate",
  "throughput",
  "p50Ms",
  "p95Ms",
  "p99Ms",
  "cost",
  "thresholdsPassed",
  "passed",
  "outcomes",
  "summary",
  "histogram",
  "timeline",
  "responseSample",
] as const satisfies readonly (keyof RunOutcome)[];

/** Each outcome field with its column, and the SQL that a multi-row completion is built from. */
const OUTCOME_FIELDS = OUTCOME_COLUMNS.map((key) => [key, runs[key]] as const);
const JSON_COLUMNS = new Set(
  OUTCOME_FIELDS.filter(([, column]) => column.getSQLType() === "jsonb").map(([, column]) => column.name),
);
const RECORD_COLUMNS = sql.raw(
  OUTCOME_FIELDS.map(([, column]) => `"${column.name}" ${column.getSQLType()}`).join(", "),
);
const COMPLETE_SET = Object.fromEntries(
  OUTCOME_FIELDS.map(([key, column]) => [key, sql.raw(`v."${column.name}"`)]),
) as Record<(typeof OUTCOME_COLUMNS)[number], SQL>;

/** The table size (16 pages) from which a never-analyzed `runs` is analyzed. */
export const ANALYZE_AFTER_BYTES = 16 * 8192;
function triggerKey(run: TriggeredRun): string {
  return `${run.scenarioId} ${run.source} ${run.scheduleId ?? ""} ${run.apiKeyId ?? ""}`;
}

/**
 * The run's snapshot of what it executes (`RunSpecSnapshot`), built from its scenario's and
 * automation's rows (SQL nulls become JSON nulls).
 */
const SPEC_SNAPSHOT = sql`jsonb_build_object(
  'automation', jsonb_build_object('id', ${automations.id}, 'name', ${automations.name},
                                   'kind', ${automations.kind}, 'config', ${automations.config}),
  'inputs', ${scenarios.inputs}, 'load', ${scenarios.load}, 'thresholds', ${scenarios.thresholds},
  'cost', ${scenarios.cost}, 'assertion', ${scenarios.assertion}, 'shards', ${scenarios.shards},
  'allow_partial', ${scenarios.allowPartial}, 'seed', ${scenarios.seed},
  'baseline_run_id', ${scenarios.baselineRunId})`;

/**
 * What a trigger's INSERT … SELECT writes in each column of `runs`, in the table's order (the
 * order Drizzle lists them in): the request's fields, the scenario's, and for the rest their
 * defaults, written out since a SELECT cannot say DEFAULT — the id drawn from its identity's
 * sequence (hence OVERRIDING SYSTEM VALUE).
 */
function triggerColumns(): SQL {
  const from: Partial<Record<keyof RunRow, SQL>> = {
    id: sql`nextval(pg_get_serial_sequence('runs', 'id'))`,
    scenarioId: sql`${scenarios.id}`,
    automationId: sql`${automations.id}`,
    scenarioName: sql`${scenarios.name}`,
    automationName: sql`${automations.name}`,
    source: sql`r.source`,
    scheduleId: sql`r.schedule_id`,
    spec: SPEC_SNAPSHOT,
    environment: sql`${sql.placeholder("environment")}::jsonb`,
    apiKeyId: sql`r.api_key_id`,
  };
  const values = Object.entries(getTableColumns(runs)).map(
    ([key, column]) => from[key as keyof RunRow] ?? columnDefault(column),
  );
  return sql.join(values, sql`, `);
}

/** A column's default as an expression (cast to the column's type), else null. */
function columnDefault(column: PgColumn): SQL {
  if (column.defaultFn) throw new Error(`column ${column.name}: a default function has no SQL to select`);
  const value = column.default;
  if (value === undefined) return sql`null`;
  if (is(value, SQL)) return value;
  return sql`${sql.param(value, column)}::${sql.raw(column.getSQLType())}`;
}

function prepare(db: Database) {
  /** The runs whose ids the statement's `ids` parameter lists (found by primary key). */
  const listed = sql`${runs.id} = any(${sql.placeholder("ids")}::bigint[])`;
  return {
    trigger: db
      .insert(runs)
      // Written into the SELECT: Drizzle 0.45 drops .overridingSystemValue() on an INSERT … SELECT.
      .select(
        sql`overriding system value
            select ${triggerColumns()}
              from unnest(${sql.placeholder("scenarioIds")}::integer[], ${sql.placeholder("sources")}::text[],
                          ${sql.placeholder("scheduleIds")}::integer[], ${sql.placeholder("apiKeyIds")}::integer[])
                     as r(scenario_id, source, schedule_id, api_key_id)
              join ${scenarios} on ${scenarios.id} = r.scenario_id
              join ${automations} on ${automations.id} = ${scenarios.automationId}`,
      )
      .returning()
      .prepare("aurea_run_trigger"),
    claim: db
      .update(runs)
      .set({
        status: "running",
        startedAt: sql`now()`,
        heartbeatAt: sql`now()`,
        attempts: sql`${runs.attempts} + 1`,
      })
      .where(and(listed, eq(runs.status, "pending")))
      // Six columns, not the row's 37: every claim's answer is described and parsed column by
      // column (node-postgres), the spec being the only large one.
      .returning({
        id: runs.id,
        status: runs.status,
        attempts: runs.attempts,
        startedAt: runs.startedAt,
        scenarioName: runs.scenarioName,
        spec: runs.spec,
      })
      .prepare("aurea_run_claim"),
    complete: db
      .update(runs)
      .set({ ...COMPLETE_SET, status: "completed", finishedAt: sql`now()` })
      .from(
        sql`jsonb_to_recordset(${sql.placeholder("rows")}::jsonb) as v(id bigint, attempt integer, ${RECORD_COLUMNS})`,
      )
      // The ids also travel as an array: the runs are then looked up by primary key, whatever
      // the planner guesses of the JSON's row count (100, for any jsonb_to_recordset), which
      // otherwise led it to hash-join against every running run.
      .where(
        and(listed, eq(runs.id, sql`v.id`), eq(runs.status, "running"), eq(runs.attempts, sql`v.attempt`)),
      )
      .returning({ id: runs.id })
      .prepare("aurea_run_complete"),
  };
}

export function filterClauses({
  scenarioId,
  automationId,
  statuses,
  from,
  to,
}: RunFilter): (SQL | undefined)[] {
  return [
    scenarioId === undefined ? undefined : eq(runs.scenarioId, scenarioId),
    automationId === undefined ? undefined : eq(runs.automationId, automationId),
    statuses && statuses.length > 0 ? inArray(runs.status, [...statuses]) : undefined,
    from === undefined ? undefined : gte(runs.createdAt, from),
    to === undefined ? undefined : lt(runs.createdAt, to),
  ];
}
