import { type FormEvent, useState } from "react";
import { useCreateRecommendation } from "../api/queries.js";
import type { RecommendationSummary, RecommendationWrite } from "../api/types.js";
import { Field } from "../components/field.js";
import { FormErrors, fieldError } from "../components/form-errors.js";
import { optionalNumber } from "../forms/values.js";

type ModelName = NonNullable<NonNullable<RecommendationWrite["options"]>["models"]>[number];

/** The forecasting models the API accepts (`src/rightsizing/models`); none ticked = its default. */
const MODELS: ReadonlyArray<readonly [ModelName, string]> = [
  ["seasonal_naive", "seasonal naive"],
  ["mstl", "MSTL"],
  ["prophet", "Prophet (slower)"],
  ["lstm", "LSTM (much slower)"],
];

const SHOWN = ["name", "source", "options.quantile", "options.models"];

/** Upload a usage CSV: its text is sent to `POST /recommendations`, which answers at once (202). */
export function CreateRecommendationForm({
  onCreated,
  onCancel,
}: {
  onCreated: (created: RecommendationSummary) => void;
  onCancel: () => void;
}) {
  const create = useCreateRecommendation();
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [quantile, setQuantile] = useState("");
  const [models, setModels] = useState<ModelName[]>([]);
  const [localError, setLocalError] = useState<Error | null>(null);
  const error = localError ?? create.error;
  const err = (field: string) => fieldError(error, field);

  const toggle = (model: ModelName) =>
    setModels((ms) => (ms.includes(model) ? ms.filter((m) => m !== model) : [...ms, model]));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (!file) {
      setLocalError(new Error("Choose a CSV file of usage (timestamp,value or one column per series)."));
      return;
    }
    let csv: string;
    try {
      csv = await file.text();
    } catch (e) {
      setLocalError(new Error(`Could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const options: NonNullable<RecommendationWrite["options"]> = {};
    const q = optionalNumber(quantile);
    if (q !== undefined) options.quantile = q;
    if (models.length > 0) options.models = models;
    const body: RecommendationWrite = {
      ...(name.trim() ? { name: name.trim() } : {}),
      source: { kind: "csv", csv, file: file.name },
      ...(Object.keys(options).length > 0 ? { options } : {}),
    };
    create.mutate(body, { onSuccess: onCreated });
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="New recommendation">
      <h2>New recommendation from a CSV</h2>
      <FormErrors error={error} shown={SHOWN} />
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
        <Field label="Name" error={err("name")} hint="optional; the file's name by default">
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
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Uploading…" : "Recommend"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
