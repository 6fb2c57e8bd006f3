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
    /** `unreachable`: no answer after the retries; `query`: Prometheus refused the query. */
    readonly kind: "unreachable" | "query" | "response",
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
    const merged = new Map<string, { labels: Record<string, string>; samples: Map<number, number> }>();
    const span = (MAX_POINTS_PER_REQUEST - 1) * stepSeconds;
    for (let from = startSeconds; from <= endSeconds; from += span + stepSeconds) {
      const to = Math.min(endSeconds, from + span);
      const answer = await this.#get("/api/v1/query_range", {
        query: expr,
        start: String(from),
        end: String(to),
        step: String(stepSeconds),
      });
      for (const r of answer.data?.result ?? []) {
        const key = JSON.stringify(Object.entries(r.metric).sort(([a], [b]) => a.localeCompare(b)));
        const entry = merged.get(key) ?? { labels: r.metric, samples: new Map<number, number>() };
        merged.set(key, entry);
        for (const [t, v] of r.values ?? []) entry.samples.set(Number(t), sampleValue(v));
      }
    }
    return [...merged.values()].map(({ labels, samples }) => {
      const times = [...samples.keys()].sort((a, b) => a - b);
      return { labels, times, values: times.map((t) => samples.get(t) as number) };
    });
  }

  async #get(path: string, params: Record<string, string>): Promise<ApiAnswer> {
    const url = `${this.#base}${path}?${new URLSearchParams(params)}`;
    let lastProblem = "";
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await this.#sleep(this.#backoffMs * 2 ** (attempt - 1));
      let response: Response;
      try {
        response = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
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

function sampleValue(text: string): number {
  const v = Number(text);
  return Number.isFinite(v) ? v : Number.NaN;
}
