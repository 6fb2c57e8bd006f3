/**
 * A Prometheus HTTP API client (`/api/v1/query`, `/api/v1/query_range`) for usage history:
 * ranges are split so no request asks for more than Prometheus' 11,000 points per series,
 * transient failures (connection errors, 5xx, 429) are retried with exponential backoff, and
 * `NaN`/`±Inf` samples become missing points.
 */
export const MAX_POINTS_PER_REQUEST = 11_000;

export interface PrometheusSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds and values, ascending, non-finite values as NaN. */
  readonly times: number[];
  readonly values: number[];
}

export class PrometheusError extends Error {
  override readonly name = "PrometheusError";
  constructor(
    message: string,
    /**
     * `unreachable`: no answer after the retries; `query`: Prometheus refused the query (or it
     * returned too many series); `blocked`: the SSRF guard refused the address.
     */
    readonly kind: "unreachable" | "query" | "response" | "blocked",
  ) {
    super(message);
  }
}

export interface PrometheusClientOptions {
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface ApiAnswer {
  status: "success" | "error";
  error?: string;
  errorType?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  };
}

export class PrometheusClient {
  readonly #base: string;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(baseUrl: string, options: PrometheusClientOptions = {}) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Instant query at `timeSeconds`. */
  async query(expr: string, timeSeconds: number): Promise<PrometheusSeries[]> {
    const answer = await this.#get("/api/v1/query", { query: expr, time: String(timeSeconds) });
    return (answer.data?.result ?? []).map((r) => ({
      labels: r.metric,
      times: r.value ? [Number(r.value[0])] : [],
      values: r.value ? [sampleValue(r.value[1])] : [],
    }));
  }

  /** Range query, split into requests of at most 11,000 points each and merged per label set. */
  async queryRange(
    expr: string,
    startSeconds: number,
    endSeconds: number,
    stepSeconds: number,
  ): Promise<PrometheusSeries[]> {
    const chunks: PrometheusSeries[][] = [];
    for (const chunk of rangeChunks(startSeconds, endSeconds, stepSeconds))
      chunks.push(await this.queryRangeChunk(expr, chunk, stepSeconds));
    return mergeChunks(chunks);
  }

  /** One request of a split range (`rangeChunks`): what a resumable collection stores as one row. */
  async queryRangeChunk(
    expr: string,
    chunk: RangeChunk,
    stepSeconds: number,
    signal?: AbortSignal,
  ): Promise<PrometheusSeries[]> {
    const answer = await this.#get(
      "/api/v1/query_range",
      { query: expr, start: String(chunk.start), end: String(chunk.end), step: String(stepSeconds) },
      signal,
    );
    return (answer.data?.result ?? []).map((r) => {
      const values = r.values ?? [];
      return {
        labels: r.metric,
        times: values.map(([t]) => Number(t)),
        values: values.map(([, v]) => sampleValue(v)),
      };
    });
  }

  async #get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<ApiAnswer> {
    const url = `${this.#base}${path}?${new URLSearchParams(params)}`;
    let lastProblem = "";
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await this.#sleep(this.#backoffMs * 2 ** (attempt - 1));
      signal?.throwIfAborted();
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(this.#timeoutMs);
        response = await this.#fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (error) {
        signal?.throwIfAborted();
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        // A connection the SSRF guard refused will be refused again: no point retrying.
        if (cause?.code === "ssrf_blocked")
          throw new PrometheusError(`Prometheus at ${this.#base}: ${cause.message}`, "blocked");
        lastProblem = cause?.code ?? cause?.message ?? (error as Error).message;
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        lastProblem = `HTTP ${response.status}`;
        await response.body?.cancel();
        continue;
      }
      let answer: ApiAnswer;
      try {
        answer = (await response.json()) as ApiAnswer;
      } catch {
        throw new PrometheusError(
          `${this.#base}${path} answered HTTP ${response.status} with a body that is not JSON: is this Prometheus?`,
          "response",
        );
      }
      if (answer.status !== "success")
        throw new PrometheusError(
          `Prometheus refused the query "${params.query}": ${answer.error ?? `HTTP ${response.status}`}`,
          "query",
        );
      return answer;
    }
    throw new PrometheusError(
      `Prometheus at ${this.#base} is unreachable (${lastProblem}) after ${this.#retries + 1} attempts`,
      "unreachable",
    );
  }
}

/** One request's part of a range: `[start, end]` in Unix seconds, both ends included. */
export interface RangeChunk {
  readonly start: number;
  readonly end: number;
}

/** The requests a range is split into so that none asks for more than 11,000 points per series. */
export function rangeChunks(startSeconds: number, endSeconds: number, stepSeconds: number): RangeChunk[] {
  const span = (MAX_POINTS_PER_REQUEST - 1) * stepSeconds;
  const chunks: RangeChunk[] = [];
  for (let from = startSeconds; from <= endSeconds; from += span + stepSeconds)
    chunks.push({ start: from, end: Math.min(endSeconds, from + span) });
  return chunks;
}

/**
 * The chunks' series merged per label set, samples ascending, a time present twice kept once
 * (the later). Labels come out sorted by name, whatever order they came in (a JSON store may
 * reorder them): names built from them are the same for fetched and stored chunks.
 */
export function mergeChunks(chunks: readonly (readonly PrometheusSeries[])[]): PrometheusSeries[] {
  const merged = new Map<
    string,
    { labels: Readonly<Record<string, string>>; samples: Map<number, number> }
  >();
  for (const chunk of chunks)
    for (const s of chunk) {
      const sorted = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const key = JSON.stringify(sorted);
      const entry = merged.get(key) ?? {
        labels: Object.fromEntries(sorted),
        samples: new Map<number, number>(),
      };
      merged.set(key, entry);
      s.times.forEach((t, i) => {
        entry.samples.set(t, s.values[i] as number);
      });
    }
  return [...merged.values()].map(({ labels, samples }) => {
    const times = [...samples.keys()].sort((a, b) => a - b);
    return { labels, times, values: times.map((t) => samples.get(t) as number) };
  });
}

function sampleValue(text: string): number {
  const v = Number(text);
  return Number.isFinite(v) ? v : Number.NaN;
}
