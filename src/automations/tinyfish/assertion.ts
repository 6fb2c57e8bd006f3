import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";
import type { FieldError } from "../../engine/index.js";

/**
 * What "the goal was met" means for a COMPLETED run (TinyFish's COMPLETED only says the browser
 * infrastructure worked): either these dot paths (`items.0.price`) all exist and are non-null, or
 * the result validates against this JSON Schema (draft-07, or 2020-12 when `$schema` says so).
 */
export const assertionSchema = z.union([
  z.strictObject({
    required_fields: z
      .array(z.string().min(1, { error: "must not be empty" }).max(500))
      .min(1, { error: "must list at least one field" })
      .max(100),
  }),
  z.strictObject({
    json_schema: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object" }),
  }),
]);
export type Assertion = z.infer<typeof assertionSchema>;

export type AssertionCheck = { ok: true } | { ok: false; failures: string[] };

export interface AssertionChecker {
  check(result: unknown): AssertionCheck;
}

/** At most this many failure messages per check (the last one says how many were left out). */
const MAX_ASSERTION_FAILURES = 10;

/**
 * Prepares an assertion once, at scenario creation, so that a bad one is reported to its author
 * then (as field problems, `prefix` naming where the assertion sits) rather than failing every run.
 */
export function compileAssertion(
  assertion: Assertion,
  prefix = "",
): { ok: true; checker: AssertionChecker } | { ok: false; problems: FieldError[] } {
  const field = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if ("required_fields" in assertion) {
    const problems: FieldError[] = [];
    const paths = assertion.required_fields.map((path, i) => {
      const segments = path.split(".");
      if (segments.some((s) => s === "")) {
        problems.push({
          field: field(`required_fields.${i}`),
          rule: "invalid_path",
          message: 'must be a dot path such as "items.0.price" (no empty segments)',
        });
      }
      return { path, segments };
    });
    if (problems.length > 0) return { ok: false, problems };
    return {
      ok: true,
      checker: {
        check: (result) => verdict(paths.flatMap(({ path, segments }) => missing(result, path, segments))),
      },
    };
  }
  let validate: ValidateFunction;
  try {
    validate = jsonSchemaCompiler(assertion.json_schema).compile(assertion.json_schema);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          field: field("json_schema"),
          rule: "invalid_schema",
          message: error instanceof Error ? error.message : String(error),
        },
      ],
    };
  }
  return {
    ok: true,
    checker: {
      check: (result) => (validate(result) ? { ok: true } : verdict((validate.errors ?? []).map(describe))),
    },
  };
}

function jsonSchemaCompiler(schema: Record<string, unknown>): Ajv | Ajv2020 {
  // A fresh instance per assertion: schemas with the same `$id` in two scenarios must not clash,
  // and nothing is cached for the life of the process. `strictSchema` (the default) rejects
  // unknown keywords and formats, so a typo is reported at creation instead of passing silently.
  const options = { allErrors: true, strictTypes: false, strictTuples: false, logger: false } as const;
  const is2020 = typeof schema.$schema === "string" && schema.$schema.includes("2020-12");
  return is2020 ? new Ajv2020(options) : new Ajv(options);
}

function missing(result: unknown, path: string, segments: readonly string[]): string[] {
  let value: unknown = result;
  for (const segment of segments) {
    if (value === null || value === undefined) return [`${path} is missing`];
    if (Array.isArray(value)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) >= value.length)
        return [`${path} is missing`];
      value = value[Number(segment)];
    } else if (typeof value === "object" && Object.hasOwn(value, segment)) {
      value = (value as Record<string, unknown>)[segment];
    } else {
      return [`${path} is missing`];
    }
  }
  if (value === null || value === undefined) return [`${path} is null`];
  return [];
}

/** `/items/0/price` → `items.0.price`, the same spelling as `required_fields`. */
function describe(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
  return `${path || "(root)"} ${error.message ?? `fails ${error.keyword}`}`;
}

function verdict(failures: string[]): AssertionCheck {
  if (failures.length === 0) return { ok: true };
  if (failures.length <= MAX_ASSERTION_FAILURES) return { ok: false, failures };
  const kept = failures.slice(0, MAX_ASSERTION_FAILURES - 1);
  return { ok: false, failures: [...kept, `…and ${failures.length - kept.length} more`] };
}
