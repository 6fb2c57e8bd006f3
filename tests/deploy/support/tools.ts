import { spawnSync } from "node:child_process";

const requireTools = process.env.AUREA_REQUIRE_TOOLS === "1";

/** Whether `command args…` runs and exits 0 (a tool is installed and works). */
function works(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
}

/**
 * How to run `docker compose` here: the v2 plugin (`docker compose`) if there is one, else
 * Debian's docker-compose 1.29 (which .ci/run installs), else nothing. Both render and check
 * a compose file without a Docker engine.
 */
export type ComposeTool = { command: string; args: string[]; v1: boolean } | undefined;

export function findCompose(): ComposeTool {
  if (works("docker", ["compose", "version"])) return { command: "docker", args: ["compose"], v1: false };
  if (works("docker-compose", ["version"])) return { command: "docker-compose", args: [], v1: true };
  return undefined;
}

/** kubectl renders a kustomization offline (`kubectl kustomize`); `apply --dry-run=client` needs a cluster. */
export const hasKubectl = works("kubectl", ["version", "--client"]);

/** With AUREA_REQUIRE_TOOLS=1 (CI, which installs them) a missing tool fails rather than skips. */
export { requireTools };
