import { authHeaders } from "./api-key.js";
import type { ErrorBody, FieldError } from "./types.js";

/** An answer other than 2xx, with the API's error body (field errors for a 400/422). */
export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];

  constructor(status: number, body: Partial<ErrorBody>) {
    super(body.message ?? `request failed with status ${status}`);
    this.status = status;
    this.code = body.error ?? "http_error";
    this.details = body.details ?? [];
  }

  /** The message for one field (`name`, `load.rate`), or for any field below it. */
  fieldError(field: string): string | undefined {
    const own = this.details.find((d) => d.field === field);
    if (own) return own.message;
    return this.details.find((d) => d.field.startsWith(`${field}.`))?.message;
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** `/api/v1` + path, with the defined query parameters. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return `/api/v1${path}${search ? `?${search}` : ""}`;
}

async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders() };
  const init: RequestInit = { method, headers };
  if (signal) init.signal = signal;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  return answer<T>(await fetch(url, init));
}

/** A response's JSON, or the API's error as an ApiRequestError. */
export async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiRequestError(response.status, (parsed ?? {}) as Partial<ErrorBody>);
  return parsed as T;
}

/** The one way the web client talks to the API. */
export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>("GET", apiUrl(path, query), undefined, signal),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", apiUrl(path), body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", apiUrl(path), body),
  delete: (path: string, query?: Query) => request<void>("DELETE", apiUrl(path, query)),
};
