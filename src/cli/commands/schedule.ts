import { parseDuration } from "../../engine/index.js";
import { EXIT, UsageError } from "../exit-codes.js";
import type { CommandIo } from "./run.js";

/** A schedule as the API answers it (the fields the CLI shows). */
interface ScheduleView {
  id: number;
  scenario_id: number;
  cron: string | null;
  timezone: string;
  interval_seconds: number | null;
  enabled: boolean;
  overlap: string;
  next_fire_at: string | null;
  last_run: { id: number; status: string } | null;
  last_success_at: string | null;
  skipped_ticks: number;
}

export interface ScheduleCreateOptions {
  scenario: string;
  cron?: string;
  timezone?: string;
  every?: string;
  overlap?: string;
  disabled?: boolean;
  json?: boolean;
}

/** Thrown for an answer of the API that is not a success: printed with the fields it names. */
class ApiAnswerError extends Error {
  readonly status: number;
  readonly details: { field: string; rule: string; message: string }[];

  constructor(status: number, body: { message?: string; details?: ApiAnswerError["details"] }) {
    super(body.message ?? `HTTP ${status}`);
    this.status = status;
    this.details = body.details ?? [];
  }
}

/**
 * `aurea schedule …`: the API's `/api/v1/schedules` from the command line, against the server at
 * `apiUrl` (`--api`, or AUREA_API_URL). Resolves with the exit code.
 */
export async function scheduleCommand(
  action: "list" | "create" | "enable" | "disable" | "delete" | "preview",
  args: {
    id?: string | undefined;
    cron?: string | undefined;
    options: ScheduleCreateOptions & { count?: string };
  },
  apiUrl: string,
  io: CommandIo,
  apiKey?: string,
): Promise<number> {
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(`/api/v1/schedules${path}`, apiUrl), {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const why = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
      throw new Error(`cannot reach the Aurea API at ${apiUrl} (--api or AUREA_API_URL): ${why}`);
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiAnswerError(response.status, json ?? {});
    return json as T;
  };
  const print = (schedule: ScheduleView) =>
    io.stdout.write(args.options.json ? `${JSON.stringify(schedule)}\n` : `${describe(schedule)}\n`);

  try {
    switch (action) {
      case "list": {
        const { items } = await api<{ items: ScheduleView[] }>("GET", "/");
        if (args.options.json) io.stdout.write(`${JSON.stringify(items)}\n`);
        else if (items.length === 0) io.stdout.write("no schedules\n");
        else for (const schedule of items) io.stdout.write(`${describe(schedule)}\n`);
        return EXIT.OK;
      }
      case "create": {
        print(await api<ScheduleView>("POST", "/", createBody(args.options)));
        return EXIT.OK;
      }
      case "enable":
      case "disable": {
        const id = scheduleId(args.id);
        const current = await api<ScheduleView>("GET", `/${id}`);
        const body = {
          scenario_id: current.scenario_id,
          ...(current.cron !== null ? { cron: current.cron, timezone: current.timezone } : {}),
          ...(current.interval_seconds !== null ? { interval_seconds: current.interval_seconds } : {}),
          overlap: current.overlap,
          enabled: action === "enable",
        };
        print(await api<ScheduleView>("PUT", `/${id}`, body));
        return EXIT.OK;
      }
      case "delete": {
        const id = scheduleId(args.id);
        await api("DELETE", `/${id}`);
        io.stdout.write(`schedule ${id} deleted\n`);
        return EXIT.OK;
      }
      case "preview": {
        const query = new URLSearchParams({ cron: args.cron ?? "" });
        if (args.options.timezone) query.set("timezone", args.options.timezone);
        if (args.options.count) query.set("count", args.options.count);
        const { fire_times } = await api<{ fire_times: string[] }>("GET", `/preview?${query}`);
        io.stdout.write(`${fire_times.join("\n")}\n`);
        return EXIT.OK;
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof ApiAnswerError) {
      io.stderr.write(`aurea schedule ${action}: ${error.message}\n`);
      for (const d of error.details) io.stderr.write(`  ${d.field}: ${d.message} (${d.rule})\n`);
      return error.status === 404 || error.status === 400 || error.status === 422 ? EXIT.USAGE : EXIT.ERROR;
    }
    io.stderr.write(`aurea schedule ${action}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.ERROR;
  }
}

function createBody(options: ScheduleCreateOptions): Record<string, unknown> {
  const scenario = Number(options.scenario);
  if (!Number.isInteger(scenario) || scenario < 1) throw new UsageError("--scenario must be a scenario id");
  if ((options.cron === undefined) === (options.every === undefined))
    throw new UsageError("give either --cron or --every");
  const body: Record<string, unknown> = { scenario_id: scenario, enabled: !options.disabled };
  if (options.cron !== undefined) {
    body.cron = options.cron;
    if (options.timezone) body.timezone = options.timezone;
  } else {
    const ms = parseDuration(options.every!);
    if (ms === undefined || ms < 1000 || ms % 1000 !== 0)
      throw new UsageError("--every must be a whole number of seconds, such as 30s, 5m or 1h");
    body.interval_seconds = ms / 1000;
  }
  if (options.overlap) body.overlap = options.overlap;
  return body;
}

function scheduleId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(id))
    throw new UsageError("the schedule id must be a positive integer");
  return id;
}

/** One line per schedule: `#3 scenario 1 every 60s (skip) enabled, next … last run #9 completed`. */
function describe(s: ScheduleView): string {
  const timing = s.cron !== null ? `cron "${s.cron}" ${s.timezone}` : `every ${s.interval_seconds}s`;
  const state = s.enabled ? `enabled, next ${s.next_fire_at}` : "disabled";
  const last = s.last_run ? `last run #${s.last_run.id} ${s.last_run.status}` : "no run yet";
  const success = s.last_success_at ? `, last success ${s.last_success_at}` : "";
  const skipped = s.skipped_ticks > 0 ? `, ${s.skipped_ticks} ticks skipped` : "";
  return `#${s.id} scenario ${s.scenario_id} ${timing} (overlap ${s.overlap}) ${state}; ${last}${success}${skipped}`;
}
