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
 * `logger.child(bindings)`, made when first needed: a line written at an enabled level, or
 * anything else asked of it. pino passes every binding through the redaction (18 paths,
 * parsed again for each value: ~6 µs and 14 KB per child), which a run or a request that logs
 * nothing at the enabled level (a worker executing hundreds of runs a second at `warn`) should
 * not pay for. The lines are the child's own, bindings included.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= logger.child(bindings));
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(logger, {
    get(_target, key) {
      if (typeof key === "string" && LEVELS.has(key)) {
        let method = methods.get(key);
        if (!method) {
          method = (...args: unknown[]) => {
            if (!logger.isLevelEnabled(key)) return;
            (real()[key as "info"] as (...a: unknown[]) => void)(...args);
          };
          methods.set(key, method);
        }
        return method;
      }
      const value = Reflect.get(real(), key);
      return typeof value === "function" ? value.bind(real()) : value;
    },
    set(_target, key, value) {
      return Reflect.set(real(), key, value);
    },
  });
}
