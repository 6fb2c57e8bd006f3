import { useState } from "react";
import { useAutomations, useSaveScenario } from "../api/queries.js";
import type { ScenarioView, ScenarioWrite } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { useFormSubmit } from "./use-form-submit.js";
import { defined, jsonObject, list, optionalNumber, text } from "./values.js";

type Model = "closed" | "open" | "custom";

function initialState(existing?: ScenarioView) {
  const load = existing?.load ?? { model: "closed", jobs: 20, concurrency: 5 };
  const model: Model = load.model === "closed" || load.model === "open" ? load.model : "custom";
  return {
    name: existing?.name ?? "",
    description: existing?.description ?? "",
    automation_id: text(existing?.automation_id ?? ""),
    model,
    jobs: text(load.jobs),
    concurrency: text(load.concurrency),
    rate: text(load.rate),
    duration: text(load.duration),
    customLoad: model === "custom" ? JSON.stringify(load, null, 2) : "",
    thresholds: (existing?.thresholds ?? []).join("\n"),
    inputs:
      existing && Object.keys(existing.inputs).length > 0 ? JSON.stringify(existing.inputs, null, 2) : "",
    tags: (existing?.tags ?? []).join(", "),
    seed: text(existing?.seed ?? ""),
  };
}
type State = ReturnType<typeof initialState>;

/** A duration field: a number of seconds or the engine's text ("30s", "1m30s"). */
const duration = (value: string) =>
  value.trim() === "" ? undefined : /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;

function loadOf(s: State): Record<string, unknown> {
  if (s.model === "custom") return jsonObject(s.customLoad, "Load") ?? {};
  if (s.model === "open")
    return defined({ model: "open", rate: optionalNumber(s.rate), duration: duration(s.duration) });
  return defined({
    model: "closed",
    jobs: optionalNumber(s.jobs),
    concurrency: optionalNumber(s.concurrency),
    duration: duration(s.duration),
  });
}

function toBody(s: State): ScenarioWrite {
  return defined({
    name: s.name,
    description: s.description,
    automation_id: optionalNumber(s.automation_id) as number,
    load: loadOf(s),
    thresholds: list(s.thresholds.replaceAll(",", "\n")),
    inputs: jsonObject(s.inputs, "Inputs") as ScenarioWrite["inputs"],
    tags: list(s.tags),
    seed: s.seed.trim() === "" ? null : optionalNumber(s.seed),
  }) as ScenarioWrite;
}

const SHOWN = ["name", "description", "automation_id", "load", "thresholds", "inputs", "tags", "seed"];

/** Create or edit a scenario: an automation under a load, with thresholds. */
export function ScenarioForm({ existing, onDone }: { existing?: ScenarioView; onDone: () => void }) {
  const [state, setState] = useState(() => initialState(existing));
  const automations = useAutomations();
  const save = useSaveScenario();
  const set = (key: keyof State) => (e: { target: { value: string } }) =>
    setState((s) => ({ ...s, [key]: e.target.value }));
  const { submit: submitWith, error } = useFormSubmit(toBody, save, { id: existing?.id, onDone });
  const err = (field: string) => fieldError(error, field);
  // The engine reports load fields as `load.jobs`; in custom mode they all go to the JSON field.
  const loadErr = (field: string) => (state.model === "custom" ? undefined : err(`load.${field}`));

  const submit = submitWith(state);

  const shown =
    state.model === "custom"
      ? SHOWN
      : [...SHOWN.filter((f) => f !== "load"), "load.jobs", "load.concurrency", "load.rate", "load.duration"];
  return (
    <form
      className="form"
      onSubmit={submit}
      noValidate
      aria-label={existing ? `Edit ${existing.name}` : "New scenario"}
    >
      <h2>{existing ? `Edit scenario “${existing.name}”` : "New scenario"}</h2>
      <FormErrors error={error} shown={shown} />
      <div className="form-grid">
        <Field label="Name" error={err("name")}>
          <input value={state.name} onChange={set("name")} autoComplete="off" />
        </Field>
        <Field label="Automation" error={err("automation_id")}>
          <select value={state.automation_id} onChange={set("automation_id")}>
            <option value="">Choose an automation</option>
            {(automations.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.kind})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Load model" error={state.model === "custom" ? err("load") : err("load.model")}>
          <select value={state.model} onChange={set("model")}>
            <option value="closed">closed: N jobs, C at a time</option>
            <option value="open">open: an arrival rate</option>
            <option value="custom">custom (JSON: stages…)</option>
          </select>
        </Field>
      </div>
      {state.model === "closed" && (
        <div className="form-grid">
          <Field label="Jobs" error={loadErr("jobs")}>
            <input type="number" value={state.jobs} onChange={set("jobs")} />
          </Field>
          <Field label="Concurrency" error={loadErr("concurrency")}>
            <input type="number" value={state.concurrency} onChange={set("concurrency")} />
          </Field>
          <Field label="Duration" error={loadErr("duration")} hint='Optional: "30s", "1m30s" or seconds'>
            <input value={state.duration} onChange={set("duration")} />
          </Field>
        </div>
      )}
      {state.model === "open" && (
        <div className="form-grid">
          <Field label="Rate (jobs/s)" error={loadErr("rate")}>
            <input type="number" value={state.rate} onChange={set("rate")} />
          </Field>
          <Field label="Duration" error={loadErr("duration")} hint='"30s", "1m30s" or seconds'>
            <input value={state.duration} onChange={set("duration")} />
          </Field>
        </div>
      )}
      {state.model === "custom" && (
        <Field
          label="Load (JSON)"
          error={err("load")}
          hint='{"model": "stages", "target": "rate", "stages": [{"duration": "30s", "target": 50}]}'
        >
          <textarea value={state.customLoad} onChange={set("customLoad")} rows={5} className="mono" />
        </Field>
      )}
      <div className="form-grid">
        <Field
          label="Thresholds"
          error={err("thresholds")}
          hint="One per line, e.g. p95<300ms, error_rate<1%"
        >
          <textarea value={state.thresholds} onChange={set("thresholds")} rows={3} className="mono" />
        </Field>
        <Field
          label="Inputs (JSON object)"
          error={err("inputs")}
          hint="Values for the automation's {{input.name}}"
        >
          <textarea value={state.inputs} onChange={set("inputs")} rows={3} className="mono" />
        </Field>
      </div>
      <div className="form-grid">
        <Field label="Tags" error={err("tags")} hint="Comma-separated">
          <input value={state.tags} onChange={set("tags")} />
        </Field>
        <Field label="Seed" error={err("seed")} hint="Optional: the same jobs every run">
          <input type="number" value={state.seed} onChange={set("seed")} />
        </Field>
        <Field label="Description" error={err("description")}>
          <input value={state.description} onChange={set("description")} />
        </Field>
      </div>
      <FormActions
        label={existing ? "Save changes" : "Create scenario"}
        pendingLabel="Saving…"
        pending={save.isPending}
        onCancel={onDone}
      />
    </form>
  );
}
