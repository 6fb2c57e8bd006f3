/**
 * Load (the security issue's): 60 s of 500 concurrent clients against `aurea serve` with API keys,
 * half triggering runs, half reading the KPI dashboard (load.mjs).
 */
import { check, fixed, heading, int, log, runNodeBench, type SectionResult, table } from "./lib.js";

const CLIENTS = 500;
const SECONDS = 60;
/** Each client's pause between an answer and its next request (k6's `sleep(1)`). */
const THINK_MS = Number(process.env.AUREA_LOAD_THINK_MS ?? 1000);

interface LoadResult {
  clients: number;
  seconds: number;
  think_ms: number;
  trigger_codes: Record<string, number>;
  read_codes: Record<string, number>;
  trigger_errors: number;
  trigger_timeouts: number;
  read_errors: number;
  read_timeouts: number;
  accepted: number;
  triggers_per_s: number;
  reads_per_s: number;
  read_p50_ms: number;
  read_p99_ms: number;
  trigger_p99_ms: number;
  stored_runs: number;
  completed_runs: number;
  drain_s: number;
}

export const LOAD_TARGETS = [
  "500 clients for 60 s: no answer but 2xx and documented 429s",
  "p99 of API reads < 250 ms under that load",
  "every accepted trigger a stored, finished run",
];

export async function loadSection(): Promise<SectionResult> {
  heading(
    `9. Load: ${CLIENTS} clients for ${SECONDS} s (half triggering runs, half reading KPIs; ${THINK_MS} ms think time), with keys`,
  );
  log("`aurea serve` on PostgreSQL (in-process queue); the clients in two processes on the same 2 cores;");
  log("limits raised to 1,000 requests/s and 50 runs at once per key, so the load meets them");
  const r = await runNodeBench<LoadResult>("load.mjs", [String(CLIENTS), String(SECONDS), String(THINK_MS)], {
    timeoutMs: 1_200_000,
  });
  log(
    table([
      [
        "clients",
        "answers (triggers)",
        "answers (reads)",
        "triggers/s",
        "reads/s",
        "read p50/p99 ms",
        "stored / completed",
      ],
      [
        int(r.clients),
        JSON.stringify(r.trigger_codes),
        JSON.stringify(r.read_codes),
        int(r.triggers_per_s),
        int(r.reads_per_s),
        `${fixed(r.read_p50_ms, 0)} / ${fixed(r.read_p99_ms, 0)}`,
        `${int(r.stored_runs)} / ${int(r.completed_runs)}`,
      ],
    ]),
  );
  const unexpected = [...Object.keys(r.trigger_codes), ...Object.keys(r.read_codes)].filter(
    (code) => !/^2\d\d$/.test(code) && code !== "429",
  );
  return {
    checks: [
      check(
        "load",
        LOAD_TARGETS[0]!,
        `triggers ${JSON.stringify(r.trigger_codes)}, reads ${JSON.stringify(r.read_codes)}; socket errors ${r.trigger_errors + r.read_errors}, timeouts (10 s) ${r.trigger_timeouts + r.read_timeouts}`,
        unexpected.length === 0 &&
          r.trigger_errors + r.read_errors + r.trigger_timeouts + r.read_timeouts === 0,
      ),
      check(
        "load",
        LOAD_TARGETS[1]!,
        `${fixed(r.read_p99_ms, 0)} ms (p50 ${fixed(r.read_p50_ms, 0)} ms)`,
        r.read_p99_ms < 250,
      ),
      check(
        "load",
        LOAD_TARGETS[2]!,
        `${int(r.accepted)} accepted, ${int(r.stored_runs)} stored, ${int(r.completed_runs)} completed`,
        // Every client waits for its last answer before stopping: the counts match exactly.
        r.completed_runs === r.stored_runs && r.stored_runs === r.accepted,
      ),
    ],
    data: r,
  };
}
