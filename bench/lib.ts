import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Absolute path of a file next to this one (the child scripts live in bench/). */
export const benchFile = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** The repository root (bench/..). */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** 1234567.8 → "1,234,568". */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : String(value);
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

export function log(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function heading(title: string): void {
  log();
  log(`=== ${title} ${"=".repeat(Math.max(0, 96 - title.length))}`);
}

/** Left-aligned first column, right-aligned others; rows of equal length. */
export function table(rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ChildOptions {
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Copy the child's stderr to ours as it arrives (progress lines of the bench children). */
  echoStderr?: boolean;
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/** Runs a command to completion, capturing its output; never rejects on a non-zero exit. */
export function runChild(
  command: string,
  args: readonly string[],
  options: ChildOptions,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.env && { env: { ...process.env, ...options.env } }),
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (options.echoStderr) process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Runs one of the bench's Node.js children (`bench/<script>`), which prints progress on stderr
 * and its result as one JSON document on stdout.
 */
export async function runNodeBench<T>(
  script: string,
  args: readonly string[],
  {
    execArgv = [],
    timeoutMs,
    env,
  }: { execArgv?: readonly string[]; timeoutMs: number; env?: Record<string, string> },
): Promise<T> {
  const result = await runChild(process.execPath, [...execArgv, benchFile(script), ...args], {
    timeoutMs,
    echoStderr: true,
    ...(env && { env }),
  });
  if (result.timedOut) throw new Error(`${script} did not finish within ${timeoutMs / 1000} s`);
  if (result.code !== 0) {
    throw new Error(`${script} exited with ${result.code ?? result.signal}: ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** INFO: a figure printed for context, with no target attached. */
export type Verdict = "PASS" | "FAIL" | "SKIP" | "INFO";

/** One line of the final summary: a target, what was measured, and whether it was met. */
export interface Check {
  section: string;
  target: string;
  measured: string;
  verdict: Verdict;
  /** Why a check was skipped, or what to keep in mind. */
  note?: string;
}

export function check(
  section: string,
  target: string,
  measured: string,
  pass: boolean,
  note?: string,
): Check {
  return { section, target, measured, verdict: pass ? "PASS" : "FAIL", ...(note ? { note } : {}) };
}

export function skipped(section: string, target: string, note: string): Check {
  return { section, target, measured: "-", verdict: "SKIP", note };
}

/** What every section returns: its checks and its raw figures (for results.json). */
export interface SectionResult {
  checks: Check[];
  data: unknown;
}
