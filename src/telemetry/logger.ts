import { type Logger, pino } from "pino";

export type { Logger };

/** Structured JSON logs with the service name on every line; secrets and credentials redacted. */
export function createLogger({
  level = "info",
  service = "aurea",
  destination,
}: {
  level?: string;
  service?: string;
  /** Where the JSON lines go; standard output by default. */
  destination?: { write(line: string): void };
} = {}): Logger {
  const options = {
    level,
    base: { service },
    redact: {
      // Credentials wherever a request, an error or an automation's configuration carries them.
      // Paths are case-sensitive: Node lower-cases incoming header names; configurations are
      // redacted under both spellings of the usual headers.
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.headers['x-api-key']",
        "res.headers['set-cookie']",
        "*.headers.authorization",
        "*.headers.Authorization",
        "*.headers['x-api-key']",
        "*.headers['X-API-Key']",
        "*.headers.cookie",
        "*.config.headers.authorization",
        "*.config.headers.Authorization",
        "*.config.headers['x-api-key']",
        "*.config.headers['X-API-Key']",
        "*.password",
        "*.api_key",
        "*.apiKey",
        "*.secret",
        "*.token",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace"]);

/**
 * `logger.child(bindings)`, made when first needed: a line written at an enabled level, a child
 * of its own, or anything else asked of it but its level (Fastify checks a request's logger has
 * its methods, which makes nothing). pino passes every binding through the redaction (18 paths,
 * parsed again for each value: ~6 µs and 14 KB per child), which a run or a request that logs
 * nothing at the enabled level (a worker executing hundreds of runs a second at `warn`) should
 * not pay for. The lines are the child's own, bindings included.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= logger.child(bindings));
  // Its level is the parent's until it is made (a level set on it makes it).
  const enabled = (level: string) => (child ?? logger).isLevelEnabled(level);
  const methods = new Map<string, unknown>([
    ["child", (...args: Parameters<Logger["child"]>) => real().child(...args)],
    ["isLevelEnabled", enabled],
  ]);
  for (const level of LEVELS)
    methods.set(level, (...args: unknown[]) => {
      if (enabled(level)) (real()[level as "info"] as (...a: unknown[]) => void)(...args);
    });
  return new Proxy(logger, {
    get(_target, key) {
      if (key === "level") return (child ?? logger).level;
      if (typeof key === "string" && methods.has(key)) return methods.get(key);
      const value = Reflect.get(real(), key);
      return typeof value === "function" ? value.bind(real()) : value;
    },
    set(_target, key, value) {
      return Reflect.set(real(), key, value);
    },
  });
}
