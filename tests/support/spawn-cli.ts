import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * CLI processes keep their data in a directory of their own (not the working tree's `.aurea`),
 * and use PGlite and the in-process queue unless a test passes DATABASE_URL or REDIS_URL itself.
 */
const DATA_DIR = mkdtempSync(join(tmpdir(), "aurea-cli-test-"));

/** The built CLI (`npm test` builds first). */
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; finished: Promise<Finished> } {
  const { DATABASE_URL: _, REDIS_URL: __, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...inherited, AUREA_DATA_DIR: DATA_DIR, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const finished = new Promise<Finished>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, finished };
}

export const runCli = (args: string[], env?: Record<string, string>) => startCli(args, env).finished;

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL, and the process's end. */
  kill(): Promise<Finished>;
  /** SIGTERM (a graceful stop), and the process's end. */
  stop(): Promise<Finished>;
}

/** `aurea serve` on a free port (embedded unless `env` names a database or Redis), once it listens. */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const { child, finished } = startCli(["serve", "--port", "0"], { LOG_LEVEL: "info", ...env });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
    setTimeout(() => reject(new Error(`no listening line in ${out}`)), 60_000);
  });
  const signal = (name: NodeJS.Signals) => {
    child.kill(name);
    return finished;
  };
  return { url, child, kill: () => signal("SIGKILL"), stop: () => signal("SIGTERM") };
}
