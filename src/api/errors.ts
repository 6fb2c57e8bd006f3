import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { type FieldError, fieldErrors } from "../engine/index.js";
import { isStoreUnavailable, sqlState } from "../store/errors.js";

/** SQLSTATEs of text PostgreSQL refuses to store: character_not_in_repertoire, untranslatable_character. */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number;
  /** Stable, machine-readable code. */
  error: string;
  message: string;
  /** For validation errors: one entry per bad field, naming the rule it broke. */
  details?: FieldError[];
}

/** An error with a code and an HTTP status, answered as `ErrorBody`. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly statusCode: number;
  readonly code: string;
  readonly details: FieldError[] | undefined;

  constructor(statusCode: number, code: string, message: string, details?: FieldError[]) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export const invalidInput = (details: FieldError[], message = "request is invalid") =>
  new ApiError(400, "validation_error", message, details);

/** The details of an error about the body as a whole (not one of its fields). */
export const bodyRule = (rule: string, message: string): FieldError[] => [{ field: "(body)", rule, message }];

/** Fastify's own error codes, in the catalog's terms. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message?: string; rule?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: "invalid_json",
    message: "request body is not valid JSON",
    rule: "json",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: "invalid_json",
    message: "request body is empty; send a JSON object",
    rule: "not_empty",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "body_too_large", rule: "max_bytes" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    message: "send the body as application/json",
    rule: "content_type_json",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: "invalid_content_length", rule: "content_length" },
  FST_ERR_NOT_FOUND: { status: 404, code: "not_found" },
};

/** How fastify-type-provider-zod reports one zod issue: the code as `keyword`, the path as `instancePath`. */
interface ZodValidationEntry {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The zod issue behind a validation entry, so that `fieldErrors` names the field and the rule. */
function zodIssue(entry: ZodValidationEntry): z.core.$ZodIssue | undefined {
  if (typeof entry.keyword !== "string" || typeof entry.instancePath !== "string") return undefined;
  return {
    ...entry.params,
    code: entry.keyword,
    path: entry.instancePath.split("/").filter(Boolean),
    message: entry.message ?? "is invalid",
  } as z.core.$ZodIssue;
}

/** Maps every error to a JSON `ErrorBody`: known ones to their 4xx, anything else to a bare 500. */
export function errorHandler(
  error: FastifyError & { validation?: unknown[]; validationContext?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  let body: ErrorBody;
  if (error instanceof ApiError) {
    body = { statusCode: error.statusCode, error: error.code, message: error.message };
    if (error.details) body.details = error.details;
  } else if (Array.isArray(error.validation)) {
    const issues = (error.validation as ZodValidationEntry[])
      .map(zodIssue)
      .filter((issue): issue is z.core.$ZodIssue => issue !== undefined);
    const where = error.validationContext ?? "request";
    body = {
      statusCode: 400,
      error: "validation_error",
      message: `${where} is invalid`,
      details:
        issues.length > 0 ? fieldErrors(issues) : [{ field: where, rule: "invalid", message: error.message }],
    };
  } else if (error.code && FASTIFY_ERRORS[error.code]) {
    const known = FASTIFY_ERRORS[error.code]!;
    const message = known.message ?? error.message;
    body = { statusCode: known.status, error: known.code, message };
    if (known.rule) body.details = bodyRule(known.rule, message);
  } else if (UNSTORABLE_TEXT.has(sqlState(error) ?? "")) {
    // PostgreSQL text cannot hold U+0000 (nor bytes invalid in UTF-8): the input, not a fault.
    body = {
      statusCode: 400,
      error: "invalid_text",
      message: "a text field contains a character the store cannot keep (U+0000)",
      details: [{ field: "(body)", rule: "no_nul_character", message: "text must not contain U+0000" }],
    };
  } else if (isStoreUnavailable(error)) {
    // The client may retry once the store is back (readiness says when).
    request.log.warn({ err: error }, "store unavailable");
    reply.header("retry-after", "5");
    body = {
      statusCode: 503,
      error: "store_unavailable",
      message: "the database is unreachable right now; retry shortly",
    };
  } else if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    body = { statusCode: error.statusCode, error: "bad_request", message: error.message };
  } else {
    request.log.error({ err: error }, "unhandled error");
    body = { statusCode: 500, error: "internal_error", message: "internal error; see the server log" };
  }
  return reply.status(body.statusCode).type("application/json").send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body: ErrorBody = {
    statusCode: 404,
    error: "not_found",
    message: `no route ${request.method} ${request.url.split("?")[0]}`,
  };
  return reply.status(404).send(body);
}
