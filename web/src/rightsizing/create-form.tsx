import { type FormEvent, useState } from "react";
import { useCreateRecommendation } from "../api/queries.js";
import type { RecommendationSummary, RecommendationWrite } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { defined, optionalNumber } from "../forms/values.js";
import { ReplicaFields, type ReplicaValues, replicaOptions } from "./replica-fields.js";

type ModelName = NonNullable<NonNullable<RecommendationWrite["options"]>["models"]>[number];
type SourceKind = "csv" | "prometheus";

/** The forecasting models the API accepts (`src/rightsizing/models`); none ticked = its default. */
const MODELS: ReadonlyArray<readonly [ModelName, string]> = [
  ["seasonal_naive", "seasonal naive"],
  ["mstl", "MSTL"],
  ["prophet", "Prophet (slower)"],
  ["lstm", "LSTM (much slower)"],
];

/** Fields shown under a control of the form; the API's other field errors are listed at the top. */
const SHOWN = ["name", "source", "options.quantile", "options.models"];
const SHOWN_REPLICAS = [
  "options.capacity_per_replica",
  "options.experiment_id",
  "options.target_utilization",
  "options.request_rate_query",
  "options.workload_kind",
];

/**
 * A recommendation from an uploaded usage CSV (its text is posted) or from a Prometheus (with
 * replicas per workload); `POST /recommendations` answers at once (202).
 */
export function CreateRecommendationForm({
  onCreated,
  onCancel,
}: {
  onCreated: (created: RecommendationSummary) => void;
  onCancel: () => void;
}) {
  const create = useCreateRecommendation();
  const [kind, setKind] = useState<SourceKind>("csv");
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [prometheus, setPrometheus] = useState({ url: "", namespace: "", workload: "", days: "", step: "" });
  const [replicas, setReplicas] = useState<ReplicaValues>({
    capacity: "",
    experiment: "",
    target: "",
    query: "",
    kind: "",
  });
  const [quantile, setQuantile] = useState("");
  const [models, setModels] = useState<ModelName[]>([]);
  const [localError, setLocalError] = useState<Error | null>(null);
  const error = localError ?? create.error;
  const err = (field: string) => fieldError(error, field);
  const setSource = (key: keyof typeof prometheus) => (value: string) =>
    setPrometheus((p) => ({ ...p, [key]: value }));

  const toggle = (model: ModelName) =>
    setModels((ms) => (ms.includes(model) ? ms.filter((m) => m !== model) : [...ms, model]));

  const csvSource = async (): Promise<RecommendationWrite["source"] | undefined> => {
    if (!file) {
      setLocalError(new Error("Choose a CSV file of usage (timestamp,value or one column per series)."));
      return undefined;
    }
    try {
      return { kind: "csv", csv: await file.text(), file: file.name };
    } catch (e) {
      setLocalError(new Error(`Could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}`));
      return undefined;
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    const source: RecommendationWrite["source"] | undefined =
      kind === "csv"
        ? await csvSource()
        : (defined({
            kind: "prometheus",
            url: prometheus.url.trim(),
            namespace: prometheus.namespace.trim(),
            workload: prometheus.workload.trim() || undefined,
            days: optionalNumber(prometheus.days),
            step_seconds: optionalNumber(prometheus.step),
          }) as RecommendationWrite["source"]);
    if (!source) return;
    const options: NonNullable<RecommendationWrite["options"]> = {
      ...(kind === "prometheus" ? replicaOptions(replicas, prometheus.workload.trim() !== "") : {}),
    };
    const q = optionalNumber(quantile);
    if (q !== undefined) options.quantile = q;
    if (models.length > 0) options.models = models;
    const body: RecommendationWrite = {
      ...(name.trim() ? { name: name.trim() } : {}),
      source,
      ...(Object.keys(options).length > 0 ? { options } : {}),
    };
    create.mutate(body, { onSuccess: onCreated });
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="New recommendation">
      <h2>New recommendation</h2>
      <FormErrors error={error} shown={kind === "prometheus" ? [...SHOWN, ...SHOWN_REPLICAS] : SHOWN} />
      <fieldset className="rs-models-field">
        <legend>Usage from</legend>
        {(
          [
            ["csv", "a CSV file"],
            ["prometheus", "a Prometheus"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="inline-check">
            <input
              type="radio"
              name="source-kind"
              value={value}
              checked={kind === value}
              onChange={() => setKind(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {kind === "csv" ? (
        <>
          <div className="form-grid">
            <Field
              label="Usage CSV"
              error={err("source")}
              hint="timestamp,value — or timestamp,<series>,<series>:memory,… (at least 3 days of 5-minute points)"
            >
              <input
                type="file"
                accept=".csv,text/csv,text/plain"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              />
            </Field>
          </div>
          <p className="muted" data-testid="csv-no-workloads">
            A CSV has no workloads: CPU and memory are recommended per series; replicas need a Prometheus
            source.
          </p>
        </>
      ) : (
        <div className="form-grid">
          <Field label="Prometheus URL" error={err("source.url")} hint="http://…:9090">
            <input
              value={prometheus.url}
              onChange={(e) => setSource("url")(e.target.value)}
              inputMode="url"
              autoComplete="off"
            />
          </Field>
          <Field label="Namespace" error={err("source.namespace")}>
            <input
              value={prometheus.namespace}
              onChange={(e) => setSource("namespace")(e.target.value)}
              autoComplete="off"
            />
          </Field>
          <Field
            label="Workload"
            error={err("source.workload")}
            hint="optional: its pods are <workload>-…; a capacity per replica needs one"
          >
            <input
              value={prometheus.workload}
              onChange={(e) => setSource("workload")(e.target.value)}
              autoComplete="off"
            />
          </Field>
          <Field label="Days of history" error={err("source.days")} hint="default 14">
            <input
              inputMode="decimal"
              value={prometheus.days}
              onChange={(e) => setSource("days")(e.target.value)}
            />
          </Field>
          <Field label="Step (seconds)" error={err("source.step_seconds")} hint="default 300">
            <input
              inputMode="numeric"
              value={prometheus.step}
              onChange={(e) => setSource("step")(e.target.value)}
            />
          </Field>
        </div>
      )}
      {kind === "prometheus" && (
        <ReplicaFields
          values={replicas}
          onChange={setReplicas}
          hasWorkload={prometheus.workload.trim() !== ""}
          error={error}
        />
      )}
      <div className="form-grid">
        <Field
          label="Name"
          error={err("name")}
          hint="optional; the file's name or namespace/workload by default"
        >
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </Field>
        <Field
          label="Quantile"
          error={err("options.quantile")}
          hint="share of future intervals the CPU request covers (default 0.97)"
        >
          <input inputMode="decimal" value={quantile} onChange={(e) => setQuantile(e.target.value)} />
        </Field>
      </div>
      <fieldset className={`rs-models-field${err("options.models") ? " field-invalid" : ""}`}>
        <legend>Models (none ticked: seasonal naive and MSTL)</legend>
        {MODELS.map(([value, label]) => (
          <label key={value} className="inline-check">
            <input type="checkbox" checked={models.includes(value)} onChange={() => toggle(value)} />
            {label}
          </label>
        ))}
        {err("options.models") && <p className="field-error">{err("options.models")}</p>}
      </fieldset>
      <FormActions
        label="Recommend"
        pendingLabel={kind === "csv" ? "Uploading…" : "Creating…"}
        pending={create.isPending}
        onCancel={onCancel}
      />
    </form>
  );
}
