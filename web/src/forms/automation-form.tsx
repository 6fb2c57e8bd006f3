import { useState } from "react";
import { useSaveAutomation } from "../api/queries.js";
import type { AutomationView, AutomationWrite } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { useFormSubmit } from "./use-form-submit.js";
import { defined, jsonObject, optionalNumber, text } from "./values.js";

type Kind = AutomationView["kind"];
const KINDS: Kind[] = ["synthetic", "http", "tinyfish"];
const DISTRIBUTIONS = ["fixed", "uniform", "normal", "exponential", "lognormal"];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** Every field of the form, as text (what the inputs hold). */
function initialState(existing?: AutomationView) {
  const c = existing?.config ?? {};
  return {
    name: existing?.name ?? "",
    description: existing?.description ?? "",
    kind: existing?.kind ?? ("synthetic" as Kind),
    duration_ms: text(c.duration_ms ?? (existing ? "" : 20)),
    distribution: text(c.distribution ?? "fixed"),
    failure_rate: text(c.failure_rate ?? ""),
    mode: text(c.mode ?? "sleep"),
    url: text(c.url),
    method: text(c.method ?? "GET"),
    headers: c.headers && Object.keys(c.headers).length > 0 ? JSON.stringify(c.headers, null, 2) : "",
    body: text(c.body),
    timeout_ms: text(c.timeout_ms ?? ""),
    tinyfish: existing?.kind === "tinyfish" ? JSON.stringify(c, null, 2) : "",
  };
}
type State = ReturnType<typeof initialState>;

function toBody(s: State): AutomationWrite {
  const base = { name: s.name, description: s.description };
  if (s.kind === "synthetic")
    return {
      ...base,
      kind: "synthetic",
      config: defined({
        duration_ms: optionalNumber(s.duration_ms),
        distribution: s.distribution as "fixed",
        failure_rate: optionalNumber(s.failure_rate),
        mode: s.mode as "sleep",
      }),
    };
  if (s.kind === "http")
    return {
      ...base,
      kind: "http",
      config: defined({
        url: s.url,
        method: s.method as "GET",
        headers: jsonObject(s.headers, "Headers") as Record<string, string> | undefined,
        body: s.body || undefined,
        timeout_ms: optionalNumber(s.timeout_ms),
      }) as { url: string },
    };
  return { ...base, kind: "tinyfish", config: (jsonObject(s.tinyfish, "Configuration") ?? {}) as never };
}

/** Create or edit an automation; the API's field errors show next to the fields. */
export function AutomationForm({ existing, onDone }: { existing?: AutomationView; onDone: () => void }) {
  const [state, setState] = useState(() => initialState(existing));
  const save = useSaveAutomation();
  const set = (key: keyof State) => (e: { target: { value: string } }) =>
    setState((s) => ({ ...s, [key]: e.target.value }));
  const { submit: submitWith, error } = useFormSubmit(toBody, save, { id: existing?.id, onDone });
  const err = (field: string) => fieldError(error, field);

  const submit = submitWith(state);

  const shown = [
    "name",
    "description",
    "kind",
    "config.duration_ms",
    "config.distribution",
    "config.failure_rate",
    "config.mode",
    "config.url",
    "config.method",
    "config.headers",
    "config.body",
    "config.timeout_ms",
  ];
  return (
    <form
      className="form"
      onSubmit={submit}
      noValidate
      aria-label={existing ? `Edit ${existing.name}` : "New automation"}
    >
      <h2>{existing ? `Edit automation “${existing.name}”` : "New automation"}</h2>
      <FormErrors error={error} shown={state.kind === "tinyfish" ? shown.slice(0, 3) : shown} />
      <div className="form-grid">
        <Field label="Name" error={err("name")}>
          <input value={state.name} onChange={set("name")} autoComplete="off" />
        </Field>
        <Field label="Kind" error={err("kind")}>
          <select value={state.kind} onChange={set("kind")}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label="Description" error={err("description")}>
        <textarea value={state.description} onChange={set("description")} rows={2} />
      </Field>
      {state.kind === "synthetic" && (
        <div className="form-grid">
          <Field label="Job duration (ms)" error={err("config.duration_ms")}>
            <input
              type="number"
              inputMode="decimal"
              value={state.duration_ms}
              onChange={set("duration_ms")}
            />
          </Field>
          <Field label="Distribution" error={err("config.distribution")}>
            <select value={state.distribution} onChange={set("distribution")}>
              {DISTRIBUTIONS.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </Field>
          <Field label="Failure rate (0–1)" error={err("config.failure_rate")}>
            <input
              type="number"
              inputMode="decimal"
              step="0.01"
              value={state.failure_rate}
              onChange={set("failure_rate")}
            />
          </Field>
          <Field label="Mode" error={err("config.mode")}>
            <select value={state.mode} onChange={set("mode")}>
              <option value="sleep">sleep (wait)</option>
              <option value="cpu">cpu (busy)</option>
            </select>
          </Field>
        </div>
      )}
      {state.kind === "http" && (
        <>
          <div className="form-grid">
            <Field label="URL" error={err("config.url")}>
              <input
                type="url"
                value={state.url}
                onChange={set("url")}
                placeholder="https://service.example/path"
              />
            </Field>
            <Field label="Method" error={err("config.method")}>
              <select value={state.method} onChange={set("method")}>
                {METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
            <Field label="Timeout (ms)" error={err("config.timeout_ms")}>
              <input type="number" value={state.timeout_ms} onChange={set("timeout_ms")} />
            </Field>
          </div>
          <Field
            label="Headers (JSON object)"
            error={err("config.headers")}
            hint="Values may use {{input.name}}"
          >
            <textarea value={state.headers} onChange={set("headers")} rows={3} className="mono" />
          </Field>
          <Field label="Body" error={err("config.body")} hint="May use {{input.name}} placeholders">
            <textarea value={state.body} onChange={set("body")} rows={3} className="mono" />
          </Field>
        </>
      )}
      {state.kind === "tinyfish" && (
        <Field
          label="Configuration (JSON)"
          error={err("config")}
          hint='url, goal, api_key ({"env": "VAR"} or {"secret": "name"}), browser_profile, cost_per_step, timeout_ms'
        >
          <textarea value={state.tinyfish} onChange={set("tinyfish")} rows={8} className="mono" />
        </Field>
      )}
      <FormActions
        label={existing ? "Save changes" : "Create automation"}
        pendingLabel="Saving…"
        pending={save.isPending}
        onCancel={onDone}
      />
    </form>
  );
}
