import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  type Check,
  check,
  fixed,
  heading,
  int,
  log,
  median,
  ROOT,
  runChild,
  type SectionResult,
  skipped,
  table,
} from "./lib.js";

const CONNECTIONS = 50;
const PIPELINING = 10;
const SECONDS = 5;
const ROUNDS = 3;
const SECTION = "http";

/** The first executable called `name` on PATH (or at one of `extra`), if any. */
function findExecutable(name: string, extra: readonly string[] = []): string | undefined {
  const candidates = [...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, name)), ...extra];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * A private nginx: one worker, `return 200`, no access log, everything (pid, logs, temp paths)
 * in a temporary prefix directory, in the foreground as our child. Stopped by `stop()` — and,
 * should the bench die first, by an exit handler.
 */
async function startNginx(binary: string): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), "aurea-bench-nginx-"));
  for (const dir of ["logs", "temp"]) mkdirSync(join(prefix, dir));
  const port = await freePort();
  const conf = join(prefix, "nginx.conf");
  const temp = (name: string) => join(prefix, "temp", name);
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "logs", "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path ${temp("client_body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`,
  );
  const child: ChildProcess = spawn(
    binary,
    ["-p", prefix, "-c", conf, "-e", join(prefix, "logs", "error.log")],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  // nginx runs in its own process group (master and worker): signal the group.
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || exited) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // nginx has its own process group, so Ctrl-C does not reach it: stop it ourselves if the bench
  // is interrupted or exits early.
  const onExit = () => {
    killGroup("SIGKILL");
    rmSync(prefix, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async (): Promise<void> => {
    process.removeListener("exit", onExit);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    killGroup("SIGTERM");
    await Promise.race([exitedPromise, sleep(3000)]);
    if (!exited) {
      killGroup("SIGKILL");
      await Promise.race([exitedPromise, sleep(1000)]);
    }
    rmSync(prefix, { recursive: true, force: true });
  };

  const deadline = Date.now() + 5000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      let errorLog = "";
      try {
        errorLog = readFileSync(join(prefix, "logs", "error.log"), "utf8");
      } catch {
        // no log
      }
      await stop();
      throw new Error(`nginx did not start: ${stderr}${errorLog}`.trim());
    }
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}/`, stop };
}

type Tool = "aurea" | "aurea-undici" | "autocannon" | "wrk" | "aurea-p10" | "autocannon-p10";

interface Measurement {
  tool: Tool;
  round: number;
  rps: number;
  requests: number;
  errors: number;
  cpu_s: number;
  cpu_us_per_req: number;
  wall_s: number;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function command(tool: Tool, url: string, wrk: string): string[] {
  const aurea = [
    process.execPath,
    join(ROOT, "dist/cli/main.js"),
    "run",
    "--url",
    url,
    "--connections",
    String(CONNECTIONS),
    "--duration",
    `${SECONDS}s`,
    "--json",
    "--no-progress",
  ];
  const autocannon = [
    process.execPath,
    join(ROOT, "node_modules/autocannon/autocannon.js"),
    "-c",
    String(CONNECTIONS),
    "-d",
    String(SECONDS),
    "--json",
  ];
  switch (tool) {
    case "aurea":
      return aurea;
    case "aurea-p10":
      return [...aurea, "--pipelining", String(PIPELINING)];
    case "aurea-undici":
      return [...aurea, "--client", "undici"];
    case "autocannon":
      return [...autocannon, url];
    case "autocannon-p10":
      return [...autocannon, "-p", String(PIPELINING), url];
    case "wrk":
      return [wrk, "-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, url];
  }
}

/**
 * Runs one tool under `bash`, which afterwards prints its own /proc stat: cutime + cstime
 * (fields 16, 17) is the CPU the tool and everything it started used, in clock ticks.
 */
async function measure(tool: Tool, round: number, url: string, wrk: string): Promise<Measurement> {
  const script = '"$@"; status=$?; echo; echo "BENCH_PROC_STAT $(cat /proc/$$/stat)"; exit $status';
  const started = performance.now();
  const run = await runChild("bash", ["-c", script, "_", ...command(tool, url, wrk)], {
    timeoutMs: (SECONDS + 30) * 1000,
  });
  const wallS = (performance.now() - started) / 1000;
  if (run.timedOut) throw new Error(`${tool} did not finish within ${SECONDS + 30} s`);
  if (run.code !== 0) throw new Error(`${tool} exited with ${run.code}: ${run.stderr.slice(-2000)}`);
  const marker = run.stdout.lastIndexOf("BENCH_PROC_STAT ");
  if (marker < 0) throw new Error(`no /proc stat after ${tool}`);
  const stat = run.stdout.slice(marker).trim();
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): field n is fields[n - 3].
  const cpuS = (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  const output = run.stdout.slice(0, marker);
  let rps: number;
  let requests: number;
  let errors: number;
  if (tool.startsWith("aurea")) {
    const result = JSON.parse(output) as { throughput: number; counts: { total: number; failed: number } };
    rps = result.throughput;
    requests = result.counts.total;
    errors = result.counts.failed;
  } else if (tool.startsWith("autocannon")) {
    // --json prints newline-delimited JSON; the result is the last document.
    const lines = output.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]!) as {
      requests: { average: number; total: number };
      errors: number;
      timeouts: number;
      non2xx: number;
    };
    rps = result.requests.average;
    requests = result.requests.total;
    errors = result.errors + result.timeouts + result.non2xx;
  } else {
    const perSecond = /Requests\/sec:\s*([\d.]+)/.exec(output);
    const total = /(\d+) requests in/.exec(output);
    if (!perSecond || !total) throw new Error(`cannot parse wrk output:\n${output}`);
    rps = Number(perSecond[1]);
    requests = Number(total[1]);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
    errors =
      (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) +
      (non2xx ? Number(non2xx[1]) : 0);
  }
  return {
    tool,
    round,
    rps,
    requests,
    errors,
    cpu_s: cpuS,
    cpu_us_per_req: requests > 0 ? (cpuS * 1e6) / requests : Number.NaN,
    wall_s: wallS,
  };
}

export const HTTP_TARGETS = [
  "aurea req/s ≥ autocannon req/s (no pipelining)",
  `aurea req/s ≥ autocannon req/s (both -p ${PIPELINING})`,
  `aurea -p ${PIPELINING} req/s ≥ 0.8 × wrk -t1`,
  "aurea CPU µs/req ≤ autocannon's (no pipelining)",
  `aurea CPU µs/req ≤ autocannon's (both -p ${PIPELINING})`,
];

export async function httpSection(): Promise<SectionResult> {
  heading(`3. HTTP against a local nginx (${CONNECTIONS} connections, ${SECONDS} s per measurement)`);
  const nginxBinary = findExecutable("nginx", ["/usr/sbin/nginx"]);
  const wrk = findExecutable("wrk");
  const missing = [...(nginxBinary ? [] : ["nginx"]), ...(wrk ? [] : ["wrk"])];
  if (!nginxBinary || !wrk) {
    const note = `${missing.join(" and ")} not installed (apt-get install ${missing.join(" ")}): section skipped`;
    log(`SKIPPED: ${note}`);
    return { checks: HTTP_TARGETS.map((target) => skipped(SECTION, target, note)), data: { skipped: note } };
  }

  const nginx = await startNginx(nginxBinary);
  const measurements: Measurement[] = [];
  try {
    log(`${nginxVersion(nginxBinary)} on ${nginx.url}: 1 worker, return 200 "ok\\n", access_log off`);
    log(`generator CPU = cutime + cstime of a bash wrapper around each tool (CLK_TCK ${CLK_TCK}),`);
    log("including the tool's start-up, divided by the requests it completed");
    // Warm nginx (and the page cache for the tools' code) before anything is measured.
    await runChild(wrk, ["-t1", "-c10", "-d1s", nginx.url], { timeoutMs: 10_000 });

    const tools: Tool[] = ["aurea", "autocannon", "wrk", "aurea-p10", "autocannon-p10"];
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotate the order so that no tool always runs first or right after the same other tool.
      const shift = (round - 1) * 2;
      const order = tools.map((_, i) => tools[(i + shift) % tools.length]!);
      for (const tool of order) {
        const m = await measure(tool, round, nginx.url, wrk);
        measurements.push(m);
        log(
          `  round ${round}/${ROUNDS} ${tool.padEnd(15)} ${int(m.rps).padStart(8)} req/s  ` +
            `${int(m.requests).padStart(9)} requests  CPU ${fixed(m.cpu_s)} s = ${fixed(m.cpu_us_per_req)} µs/req` +
            (m.errors > 0 ? `  ERRORS ${m.errors}` : ""),
        );
      }
    }
    const undici = await measure("aurea-undici", 1, nginx.url, wrk);
    measurements.push(undici);
    log(
      `  once    aurea --client undici ${int(undici.rps).padStart(8)} req/s  CPU ${fixed(undici.cpu_us_per_req)} µs/req` +
        (undici.errors > 0 ? `  ERRORS ${undici.errors}` : ""),
    );
  } finally {
    await nginx.stop();
  }

  const of = (tool: Tool) => measurements.filter((m) => m.tool === tool);
  const med = (tool: Tool, key: "rps" | "cpu_us_per_req") => median(of(tool).map((m) => m[key]));
  const label: Record<Tool, string> = {
    aurea: "aurea run",
    autocannon: "autocannon",
    wrk: "wrk -t1",
    "aurea-p10": `aurea run --pipelining ${PIPELINING}`,
    "autocannon-p10": `autocannon -p ${PIPELINING}`,
    "aurea-undici": "aurea run --client undici (1 run)",
  };
  const allTools: Tool[] = ["aurea", "autocannon", "wrk", "aurea-p10", "autocannon-p10", "aurea-undici"];
  log();
  log(
    table([
      ["tool (medians)", "req/s", "CPU µs/req", "vs autocannon same mode", "vs wrk -t1", "errors"],
      ...allTools.map((tool) => {
        const reference = tool === "aurea-p10" || tool === "autocannon-p10" ? "autocannon-p10" : "autocannon";
        return [
          label[tool],
          int(med(tool, "rps")),
          fixed(med(tool, "cpu_us_per_req")),
          `${fixed(med(tool, "rps") / med(reference, "rps"))}×`,
          `${fixed(med(tool, "rps") / med("wrk", "rps"))}×`,
          int(of(tool).reduce((sum, m) => sum + m.errors, 0)),
        ];
      }),
    ]),
  );

  const aurea = med("aurea", "rps");
  const autocannon = med("autocannon", "rps");
  const aureaP = med("aurea-p10", "rps");
  const autocannonP = med("autocannon-p10", "rps");
  const wrkRps = med("wrk", "rps");
  const cpu = med("aurea", "cpu_us_per_req");
  const cpuRef = med("autocannon", "cpu_us_per_req");
  const cpuP = med("aurea-p10", "cpu_us_per_req");
  const cpuPRef = med("autocannon-p10", "cpu_us_per_req");
  const errors = measurements.reduce((sum, m) => sum + m.errors, 0);
  const note = errors > 0 ? `${errors} failed requests in all (see the log)` : undefined;
  const checks: Check[] = [
    check(
      SECTION,
      HTTP_TARGETS[0]!,
      `${int(aurea)} vs ${int(autocannon)} (${fixed(aurea / autocannon)}×)`,
      aurea >= autocannon,
      note,
    ),
    check(
      SECTION,
      HTTP_TARGETS[1]!,
      `${int(aureaP)} vs ${int(autocannonP)} (${fixed(aureaP / autocannonP)}×)`,
      aureaP >= autocannonP,
      note,
    ),
    check(
      SECTION,
      HTTP_TARGETS[2]!,
      `${int(aureaP)} vs ${int(wrkRps)} (${fixed(aureaP / wrkRps)}×)`,
      aureaP >= 0.8 * wrkRps,
      note,
    ),
    check(
      SECTION,
      HTTP_TARGETS[3]!,
      `${fixed(cpu)} vs ${fixed(cpuRef)} µs (${fixed(cpu / cpuRef)}×)`,
      cpu <= cpuRef,
      note,
    ),
    check(
      SECTION,
      HTTP_TARGETS[4]!,
      `${fixed(cpuP)} vs ${fixed(cpuPRef)} µs (${fixed(cpuP / cpuPRef)}×)`,
      cpuP <= cpuPRef,
      note,
    ),
  ];
  return {
    checks,
    data: {
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      seconds: SECONDS,
      rounds: ROUNDS,
      clk_tck: CLK_TCK,
      medians: Object.fromEntries(
        allTools.map((tool) => [
          tool,
          { rps: med(tool, "rps"), cpu_us_per_req: med(tool, "cpu_us_per_req") },
        ]),
      ),
      measurements,
    },
  };
}

function nginxVersion(binary: string): string {
  // `nginx -v` prints "nginx version: nginx/1.22.1" on stderr.
  const run = spawnSync(binary, ["-v"], { encoding: "utf8" });
  return `${run.stderr ?? ""}${run.stdout ?? ""}`.replace("nginx version:", "").trim();
}
