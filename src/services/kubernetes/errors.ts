import { AbortError, ApiException, FetchError } from "@kubernetes/client-node";

/**
 * A Kubernetes API call that failed, named after what it acted on: the HTTP status and the
 * `Status` object's reason (`NotFound`, `Conflict`, `Invalid`, `Forbidden`, `Unauthorized`), or
 * `Unreachable` when no answer came.
 */
export class KubernetesError extends Error {
  override readonly name = "KubernetesError";
  constructor(
    message: string,
    /** HTTP status; null when the API server did not answer. */
    readonly status: number | null,
    readonly reason: string,
  ) {
    super(message);
  }
}

interface StatusObject {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

/** Turns what client-node throws into a KubernetesError whose message starts with `what`. */
export function kubernetesError(error: unknown, what: string, server: string): KubernetesError {
  if (error instanceof KubernetesError) return error;
  if (error instanceof ApiException) {
    const code = (error as ApiException<unknown>).code;
    const status = parseStatus((error as ApiException<unknown>).body);
    const reason = status?.reason || REASONS[code] || `HTTP ${code}`;
    const detail =
      status?.message ||
      (code === 401 ? "the API server did not accept the credentials (token expired or wrong?)" : "");
    return new KubernetesError(`${what}: ${code} ${reason}${detail ? `: ${detail}` : ""}`, code, reason);
  }
  if (error instanceof AbortError)
    return new KubernetesError(
      `${what}: the API server at ${server} did not answer in time`,
      null,
      "Timeout",
    );
  if (error instanceof FetchError || (error as { code?: string }).code) {
    const code = (error as { code?: string }).code;
    return new KubernetesError(
      `${what}: the API server at ${server} is unreachable (${code ?? (error as Error).message})`,
      null,
      "Unreachable",
    );
  }
  return new KubernetesError(`${what}: ${(error as Error).message ?? String(error)}`, null, "Error");
}

function parseStatus(body: unknown): StatusObject | undefined {
  if (typeof body === "object" && body !== null) return body as StatusObject;
  if (typeof body !== "string" || body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body) as StatusObject;
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return { message: body.slice(0, 300) };
  }
}
