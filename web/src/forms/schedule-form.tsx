import { type FormEvent, useState } from "react";
import { useCronPreview, useSaveSchedule, useScenarios } from "../api/queries.js";
import type { ScheduleWrite } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { when } from "../format.js";
import { useDebounced } from "./use-debounced.js";
import { optionalNumber } from "./values.js";

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The next fire times of the cron expression being typed (from the server's own cron parser). */
function CronPreview({ cron, timezone }: { cron: string; timezone: string }) {
  const preview = useCronPreview(useDebounced(cron), useDebounced(timezone));
  if (!cron.trim()) return null;
  if (preview.isPending) return <p className="muted">Computing the next fire times…</p>;
  if (preview.error)
    return (
      <p className="field-error">
        {preview.error.message.replace(/^cron is invalid$/, "not a valid cron expression")}{" "}
        {fieldError(preview.error, "cron") ?? ""}
      </p>
    );
  return (
    <div className="cron-preview" aria-live="polite">
      <p className="field-hint">Next fire times:</p>
      <ol data-testid="cron-preview">
        {preview.data.fire_times.map((t) => (
          <li key={t}>{when(t)}</li>
        ))}
      </ol>
    </div>
  );
}

/** Create a schedule: a scenario on a cron expression or an interval. */
export function ScheduleForm({ onDone }: { onDone: () => void }) {
  const scenarios = useScenarios();
  const save = useSaveSchedule();
  const [scenarioId, setScenarioId] = useState("");
  const [mode, setMode] = useState<"cron" | "interval">("cron");
  const [cron, setCron] = useState("0 9 * * 1-5");
  const [timezone, setTimezone] = useState(BROWSER_ZONE);
  const [interval, setInterval] = useState("3600");
  const [overlap, setOverlap] = useState<"skip" | "queue">("skip");
  const err = (field: string) => fieldError(save.error, field);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: ScheduleWrite = {
      scenario_id: optionalNumber(scenarioId) as number,
      overlap,
      ...(mode === "cron" ? { cron, timezone } : { interval_seconds: optionalNumber(interval) as number }),
    };
    save.mutate({ body }, { onSuccess: onDone });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="New schedule">
      <h2>New schedule</h2>
      <FormErrors
        error={save.error}
        shown={["scenario_id", "cron", "timezone", "interval_seconds", "overlap"]}
      />
      <div className="form-grid">
        <Field label="Scenario" error={err("scenario_id")}>
          <select value={scenarioId} onChange={(e) => setScenarioId(e.target.value)}>
            <option value="">Choose a scenario</option>
            {(scenarios.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Timing">
          <select value={mode} onChange={(e) => setMode(e.target.value as "cron" | "interval")}>
            <option value="cron">cron expression</option>
            <option value="interval">every N seconds</option>
          </select>
        </Field>
        <Field label="While the previous run is unfinished" error={err("overlap")}>
          <select value={overlap} onChange={(e) => setOverlap(e.target.value as "skip" | "queue")}>
            <option value="skip">skip the tick</option>
            <option value="queue">run anyway</option>
          </select>
        </Field>
      </div>
      {mode === "cron" ? (
        <div className="form-grid">
          <div>
            <Field
              label="Cron expression"
              error={err("cron")}
              hint="minute hour day month weekday (6 fields: seconds first)"
            >
              <input
                value={cron}
                onChange={(e) => setCron(e.target.value)}
                className="mono"
                autoComplete="off"
              />
            </Field>
            <CronPreview cron={cron} timezone={timezone} />
          </div>
          <Field label="Time zone" error={err("timezone")} hint="IANA name, e.g. Europe/Paris">
            <input value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          </Field>
        </div>
      ) : (
        <Field label="Interval (seconds)" error={err("interval_seconds")}>
          <input type="number" value={interval} onChange={(e) => setInterval(e.target.value)} />
        </Field>
      )}
      <FormActions
        label="Create schedule"
        pendingLabel="Saving…"
        pending={save.isPending}
        onCancel={onDone}
      />
    </form>
  );
}
