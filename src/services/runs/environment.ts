import { cpus, hostname, platform, release, totalmem } from "node:os";

/** Where a run executed, recorded with it (results depend on the machine that generated load). */
export function runEnvironment(extra: Record<string, string>): Record<string, unknown> {
  return {
    hostname: hostname(),
    platform: platform(),
    os_release: release(),
    arch: process.arch,
    node_version: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? null,
    memory_bytes: totalmem(),
    ...extra,
  };
}
