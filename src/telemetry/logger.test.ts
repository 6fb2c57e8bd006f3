import { describe, expect, it } from "vitest";
import { createLogger, lazyChild } from "./logger.js";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, destination: { write: (line) => lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

describe("lazyChild", () => {
  it("writes the lines a child would, bindings included, redaction applied", () => {
    const { logger, lines } = capture("info");
    const log = lazyChild(logger, { run_id: 7, attempt: 2 });
    log.info({ jobs: 1, config: { headers: { authorization: "Bearer s3cret" } } }, "run finished");
    logger.child({ run_id: 7, attempt: 2 }).info({ jobs: 1 }, "run finished");
    expect(lines).toHaveLength(2);
    const { time: _a, ...lazy } = lines[0]!;
    const { time: _b, ...eager } = lines[1]!;
    expect(lazy).toMatchObject({ run_id: 7, attempt: 2, jobs: 1, msg: "run finished", service: "aurea" });
    expect(lazy.config).toEqual({ headers: { authorization: "[redacted]" } });
    delete lazy.config;
    expect(lazy).toEqual(eager);
  });

  it("makes no child while nothing is written at an enabled level", () => {
    const { logger, lines } = capture("warn");
    let made = 0;
    const counting = new Proxy(logger, {
      get: (target, key) =>
        key === "child"
          ? (...args: Parameters<typeof logger.child>) => {
              made++;
              return target.child(...args);
            }
          : Reflect.get(target, key),
    });
    const log = lazyChild(counting, { run_id: 1 });
    log.info("not written");
    log.debug("not written");
    // What Fastify asks of a request's logger before using it: its methods are there.
    for (const method of ["info", "error", "debug", "fatal", "warn", "trace", "child"] as const)
      expect(typeof log[method]).toBe("function");
    expect(log.isLevelEnabled("info")).toBe(false);
    expect(log.level).toBe("warn");
    expect(made).toBe(0);
    log.warn("written");
    log.error("written too");
    expect(made).toBe(1);
    expect(lines.map((l) => [l.level, l.run_id, l.msg])).toEqual([
      [40, 1, "written"],
      [50, 1, "written too"],
    ]);
  });

  it("answers everything else as the child: level, bindings, its own children", () => {
    const { logger, lines } = capture("info");
    const log = lazyChild(logger, { run_id: 3 });
    expect(log.level).toBe("info");
    expect(log.bindings()).toEqual(logger.child({ run_id: 3 }).bindings());
    expect(log.bindings()).toMatchObject({ run_id: 3 });
    log.child({ shard: 1 }).info("nested");
    expect(lines[0]).toMatchObject({ run_id: 3, shard: 1, msg: "nested" });
    // A level set on it is its own, as a child's is.
    log.level = "error";
    expect(log.isLevelEnabled("warn")).toBe(false);
    log.warn("not written");
    expect(logger.isLevelEnabled("warn")).toBe(true);
    expect(lines).toHaveLength(1);
  });
});
