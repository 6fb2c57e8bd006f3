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
