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
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.headers['x-api-key']",
        "*.password",
        "*.api_key",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
