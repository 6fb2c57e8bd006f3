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

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type LogArgs = Parameters<Logger["info"]>;

/**
 * What `lazyChild` answers, behind a Proxy that hands it every member it has and the child's for
 * the rest. Its methods live on the prototype, so a lazy child costs two small objects, not a
 * set of closures; the state is in plain fields because its methods run with the Proxy as
 * `this` (private fields do not pass through one).
 */
class LazyChild {
  _child: Logger | undefined;

  constructor(
    readonly _parent: Logger,
    readonly _bindings: Record<string, unknown>,
  ) {}

  _real(): Logger {
    this._child ??= this._parent.child(this._bindings);
    return this._child;
  }

  _write(level: Level, args: LogArgs): void {
    if (this.isLevelEnabled(level)) this._real()[level](...args);
  }

  // Its level is the parent's until it is made (a level set on it makes it).
  isLevelEnabled(level: string): boolean {
    return (this._child ?? this._parent).isLevelEnabled(level);
  }

  get level(): string {
    return (this._child ?? this._parent).level;
  }

  set level(level: string) {
    this._real().level = level;
  }

  child(...args: Parameters<Logger["child"]>): ReturnType<Logger["child"]> {
    return this._real().child(...args);
  }

  fatal(...args: LogArgs): void {
    this._write("fatal", args);
  }
  error(...args: LogArgs): void {
    this._write("error", args);
  }
  warn(...args: LogArgs): void {
    this._write("warn", args);
  }
  info(...args: LogArgs): void {
    this._write("info", args);
  }
  debug(...args: LogArgs): void {
    this._write("debug", args);
  }
  trace(...args: LogArgs): void {
    this._write("trace", args);
  }
}

const LAZY: ProxyHandler<LazyChild> = {
  get(target, key) {
    if (key in target) return Reflect.get(target, key);
    const real = target._real();
    const value = Reflect.get(real, key);
    return typeof value === "function" ? value.bind(real) : value;
  },
  set(target, key, value) {
    return key in target ? Reflect.set(target, key, value) : Reflect.set(target._real(), key, value);
  },
};

/**
 * `logger.child(bindings)`, made when first needed: a line written at an enabled level, a child
 * of its own, or anything else asked of it but its level (Fastify checks a request's logger has
 * its methods, which makes nothing). pino passes every binding through the redaction (18 paths,
 * parsed again for each value: ~6 µs and 14 KB per child), which a run or a request that logs
 * nothing at the enabled level (a worker executing hundreds of runs a second at `warn`) should
 * not pay for. The lines are the child's own, bindings included.
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): Logger {
  return new Proxy(new LazyChild(logger, bindings), LAZY) as unknown as Logger;
}
