import { type ChangeEvent, useState } from "react";
import { useScenarios } from "../api/queries.js";
import type { ExperimentView } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { useFormSubmit } from "../forms/use-form-submit.js";
import { defined, jsonObject, list, optionalNumber } from "../forms/values.js";
import { type ExperimentWrite, useStartExperiment } from "./experiment-mutations.js";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** The form as typed: text everywhere, so what the API refuses is shown as written. */
interface State {
  name: string;
  kind: "http" | "scenario";
  url: string;
  method: string;
  headers: string;
  body: string;
  expectStatus: string;
  timeoutMs: string;
  scenarioId: string;
  rates: string;
  step: string;
  warmup: string;
  gracefulStop: string;
  maxInFlight: string;
  slo: string;
  continueAfterFailure: boolean;
  replicas: string;
  namespace: string;
  workload: string;
  prometheus: string;
  cpuQuery: string;
  memoryQuery: string;
  resolution: string;
  rateWindow: string;
}

const INITIAL: State = {
  name: "",
  kind: "http",
  url: "",
  method: "GET",
  headers: "",
  body: "",
  expectStatus: "",
  timeoutMs: "",
  scenarioId: "",
  rates: "",
  step: "",
  warmup: "",
  gracefulStop: "",
  maxInFlight: "",
  slo: "",
  continueAfterFailure: false,
  replicas: "",
  namespace: "",
  workload: "",
  prometheus: "",
  cpuQuery: "",
  memoryQuery: "",
  resolution: "",
  rateWindow: "",
};

/** The body fields shown under a control; the API's other field errors are listed at the top. */
const SHOWN = [
  "name",
  "target",
  "rates",
  "step_duration",
  "warmup",
  "graceful_stop",
  "max_in_flight",
  "slo",
  "replicas",
  "namespace",
  "workload",
  "prometheus",
];

const blank = (text: string) => text.trim() || undefined;
const numbers = (text: string) => list(text).map((item) => optionalNumber(item) as number);

/** `POST /experiments`' body: blank fields left out, so the server's defaults apply. */
function toBody(s: State): ExperimentWrite {
  const target: ExperimentWrite["target"] =
    s.kind === "scenario"
      ? { kind: "scenario", scenario_id: optionalNumber(s.scenarioId) as number }
      : (defined({
          kind: "http",
          url: s.url.trim(),
          method: s.method,
          headers: jsonObject(s.headers, "Headers"),
          body: s.body === "" ? undefined : s.body,
          expect_status: list(s.expectStatus).length > 0 ? numbers(s.expectStatus) : undefined,
          timeout_ms: optionalNumber(s.timeoutMs),
        }) as ExperimentWrite["target"]);
  const queries = defined({ cpu: blank(s.cpuQuery), memory: blank(s.memoryQuery) });
  return defined({
    name: blank(s.name),
    target,
    rates: numbers(s.rates),
    step_duration: blank(s.step),
    warmup: blank(s.warmup),
    graceful_stop: blank(s.gracefulStop),
    max_in_flight: optionalNumber(s.maxInFlight),
    slo: list(s.slo).length > 0 ? list(s.slo) : undefined,
    continue_after_failure: s.continueAfterFailure || undefined,
    replicas: list(s.replicas).length > 0 ? numbers(s.replicas) : undefined,
    namespace: blank(s.namespace),
    workload: blank(s.workload),
    prometheus: blank(s.prometheus)
      ? defined({
          url: s.prometheus.trim(),
          queries: Object.keys(queries).length > 0 ? queries : undefined,
          resolution: blank(s.resolution),
          rate_window: blank(s.rateWindow),
        })
      : undefined,
  }) as ExperimentWrite;
}

/**
 * Start a load experiment: a target (a URL, or a scenario's HTTP or synthetic automation), the
 * stepped arrival rates, the SLO, and optionally replica counts and a Prometheus to read resource
 * use from — the fields of `POST /experiments`, which answers at once (202) and runs it.
 */
export function ExperimentForm({
  onStarted,
  onCancel,
}: {
  onStarted: (created: ExperimentView) => void;
  onCancel: () => void;
}) {
  const start = useStartExperiment();
  const scenarios = useScenarios();
  const [state, setState] = useState<State>(INITIAL);
  const { submit, error } = useFormSubmit(
    toBody,
    {
      error: start.error,
      mutate: ({ body }, { onSuccess }) =>
        start.mutate(body, {
          onSuccess: (created) => {
            onSuccess();
            onStarted(created);
          },
        }),
    },
    { id: undefined, onDone: () => {} },
  );
  const err = (field: string) => fieldError(error, field);
  const set =
    (key: keyof State) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setState((s) => ({ ...s, [key]: e.target.value }));
  const input = (key: keyof State, props: Record<string, string> = {}) => (
    <input value={state[key] as string} onChange={set(key)} autoComplete="off" {...props} />
  );

  return (
    <form className="form" onSubmit={submit(state)} noValidate aria-label="New load experiment">
      <h2>New load experiment</h2>
      <FormErrors error={error} shown={SHOWN} />
      <fieldset className="rs-models-field">
        <legend>Target</legend>
        {(
          [
            ["http", "a URL"],
            ["scenario", "a scenario"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="inline-check">
            <input
              type="radio"
              name="experiment-target"
              value={value}
              checked={state.kind === value}
              onChange={() => setState((s) => ({ ...s, kind: value }))}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {state.kind === "http" ? (
        <div className="form-grid">
          <Field
            label="Target URL"
            error={err("target.url")}
            hint="http(s)://… (the outbound policy applies)"
          >
            {input("url", { inputMode: "url" })}
          </Field>
          <Field label="Method" error={err("target.method")}>
            <select value={state.method} onChange={set("method")}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </Field>
          <Field label="Expected statuses" error={err("target.expect_status")} hint="optional: 200, 204">
            {input("expectStatus")}
          </Field>
          <Field label="Timeout (ms)" error={err("target.timeout_ms")} hint="per request; default 30000">
            {input("timeoutMs", { inputMode: "numeric" })}
          </Field>
          <Field
            label="Headers (JSON)"
            error={err("target.headers")}
            hint='optional: {"accept": "text/html"}'
          >
            <textarea rows={2} value={state.headers} onChange={set("headers")} />
          </Field>
          <Field label="Body" error={err("target.body")} hint="optional">
            <textarea rows={2} value={state.body} onChange={set("body")} />
          </Field>
        </div>
      ) : (
        <div className="form-grid">
          <Field label="Scenario" error={err("target.scenario_id") ?? err("target")} hint="HTTP or synthetic">
            <select value={state.scenarioId} onChange={set("scenarioId")}>
              <option value="">Choose a scenario</option>
              {(scenarios.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
      )}
      <div className="form-grid">
        <Field
          label="Rates (requests/s)"
          error={err("rates")}
          hint="the steps' arrival rates: 10, 20, 40, 80"
        >
          {input("rates", { inputMode: "decimal" })}
        </Field>
        <Field label="SLO" error={err("slo")} hint="default p95<300ms; error_rate<1% is added">
          {input("slo")}
        </Field>
        <Field label="Step duration" error={err("step_duration")} hint="whole seconds; default 30s">
          {input("step")}
        </Field>
        <Field label="Warm-up" error={err("warmup")} hint="cut off each step; default 5s">
          {input("warmup")}
        </Field>
        <Field label="Graceful stop" error={err("graceful_stop")} hint="default 5s">
          {input("gracefulStop")}
        </Field>
        <Field label="Max in flight" error={err("max_in_flight")} hint="optional">
          {input("maxInFlight", { inputMode: "numeric" })}
        </Field>
        <Field label="Name" error={err("name")} hint="optional">
          {input("name")}
        </Field>
      </div>
      <label className="inline-check">
        <input
          type="checkbox"
          checked={state.continueAfterFailure}
          onChange={(e) => setState((s) => ({ ...s, continueAfterFailure: e.target.checked }))}
        />
        Keep raising the load after the SLO fails
      </label>
      <fieldset className="rs-models-field">
        <legend>Replicas (optional; several counts need a Kubernetes context on the server)</legend>
        <div className="form-grid">
          <Field label="Replica counts" error={err("replicas")} hint="1, 2, 3">
            {input("replicas", { inputMode: "numeric" })}
          </Field>
          <Field label="Namespace" error={err("namespace")}>
            {input("namespace")}
          </Field>
          <Field label="Workload" error={err("workload")} hint="a Deployment">
            {input("workload")}
          </Field>
        </div>
      </fieldset>
      <fieldset className="rs-models-field">
        <legend>Resource use from Prometheus (optional)</legend>
        <div className="form-grid">
          <Field
            label="Prometheus URL"
            error={err("prometheus.url") ?? err("prometheus")}
            hint="http://…:9090"
          >
            {input("prometheus", { inputMode: "url" })}
          </Field>
          <Field label="CPU query" error={err("prometheus.queries.cpu")} hint="default: the namespace's">
            {input("cpuQuery")}
          </Field>
          <Field label="Memory query" error={err("prometheus.queries.memory")}>
            {input("memoryQuery")}
          </Field>
          <Field label="Resolution" error={err("prometheus.resolution")} hint="default 5s">
            {input("resolution")}
          </Field>
          <Field label="Rate window" error={err("prometheus.rate_window")} hint="default 30s">
            {input("rateWindow")}
          </Field>
        </div>
      </fieldset>
      <FormActions
        label="Start experiment"
        pendingLabel="Starting…"
        pending={start.isPending}
        onCancel={onCancel}
      />
    </form>
  );
}
