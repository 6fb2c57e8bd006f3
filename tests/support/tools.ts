import { spawnSync } from "node:child_process";

/** CI sets AUREA_REQUIRE_TOOLS=1: a missing tool then fails its tests instead of skipping them. */
export const requireTools = process.env.AUREA_REQUIRE_TOOLS === "1";

/** Whether `command` is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Runs a command to its end: exit status and what it printed. */
export function run(
  command: string,
  args: string[],
  cwd?: string,
): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}
