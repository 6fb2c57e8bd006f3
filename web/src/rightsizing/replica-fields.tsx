import { useExperimentList } from "../api/queries.js";
import type { RecommendationWrite, WorkloadKind } from "../api/types.js";
import { Field } from "../components/field.js";
import { fieldError } from "../components/form-errors.js";
import { rate } from "../format.js";
import { optionalNumber } from "../forms/values.js";

/** The replica fields as typed (blank: the API's default). */
export interface ReplicaValues {
  capacity: string;
  /** An experiment's id, or "" for none. */
  experiment: string;
  target: string;
  query: string;
  kind: WorkloadKind | "";
}

type Options = NonNullable<RecommendationWrite["options"]>;

/**
 * The options the fields give: a capacity (typed, or a complete experiment's) and its
 * request-rate query only for one workload, as the API requires; blank ones left out.
 */
export function replicaOptions(values: ReplicaValues, hasWorkload: boolean): Options {
  const options: Options = {};
  const target = optionalNumber(values.target);
  if (target !== undefined) options.target_utilization = target;
  if (values.kind) options.workload_kind = values.kind;
  if (!hasWorkload) return options;
  const capacity = optionalNumber(values.capacity);
  if (capacity !== undefined) options.capacity_per_replica = capacity;
  if (values.experiment) options.experiment_id = Number(values.experiment);
  if ((capacity !== undefined || values.experiment) && values.query.trim())
    options.request_rate_query = values.query.trim();
  return options;
}

/** Complete experiments that measured a capacity per replica: the ones a recommendation can use. */
function ExperimentSelect({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const list = useExperimentList(undefined, 100);
  const usable = (list.data?.items ?? []).filter(
    (e) => e.status === "complete" && (e.result?.capacity_per_replica ?? 0) > 0,
  );
  return (
    <Field
      label="Capacity from a load experiment"
      error={error}
      hint={
        list.data && usable.length === 0
          ? "no complete experiment has measured a capacity yet"
          : "its capacity per replica at the SLO; instead of typing one"
      }
    >
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">none</option>
        {usable.map((e) => (
          <option key={e.id} value={String(e.id)}>
            {e.name} (#{e.id}): {rate(e.result?.capacity_per_replica)} per replica
            {e.result?.status === "lower_bound" ? ", a lower bound" : ""}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * A Prometheus recommendation's replica options. Without a capacity, replicas come from all
 * replicas' CPU; a capacity (typed or an experiment's) is one workload's, so it is offered only
 * with a workload, and the request-rate query only with a capacity.
 */
export function ReplicaFields({
  values,
  onChange,
  hasWorkload,
  error,
}: {
  values: ReplicaValues;
  onChange: (values: ReplicaValues) => void;
  hasWorkload: boolean;
  error: unknown;
}) {
  const set = (key: keyof ReplicaValues) => (value: string) => onChange({ ...values, [key]: value });
  const err = (field: string) => fieldError(error, `options.${field}`);
  const withCapacity = values.capacity.trim() !== "" || values.experiment !== "";
  return (
    <fieldset className="rs-models-field" data-testid="replica-fields">
      <legend>Replicas</legend>
      <p className="muted">
        {hasWorkload
          ? "Without a capacity per replica, replicas come from all replicas' CPU against the recommended request."
          : "Replicas come from all replicas' CPU against the recommended request; name a workload to use a capacity per replica instead."}
      </p>
      <div className="form-grid">
        {hasWorkload && (
          <>
            <Field
              label="Capacity per replica (req/s)"
              error={err("capacity_per_replica")}
              hint="requests/s one replica serves: replicas from the forecast request rate"
            >
              <input
                inputMode="decimal"
                value={values.capacity}
                onChange={(e) => set("capacity")(e.target.value)}
              />
            </Field>
            <ExperimentSelect
              value={values.experiment}
              onChange={set("experiment")}
              error={err("experiment_id")}
            />
          </>
        )}
        {hasWorkload && withCapacity && (
          <Field
            label="Request-rate query"
            error={err("request_rate_query")}
            hint="PromQL of the workload's total requests/s (one series); blank: the http_requests_total rate of its pods"
          >
            <input value={values.query} onChange={(e) => set("query")(e.target.value)} autoComplete="off" />
          </Field>
        )}
        <Field
          label="Target utilisation"
          error={err("target_utilization")}
          hint={
            withCapacity
              ? "share of a replica's capacity at the peak (default 0.7)"
              : "share of the request at the peak (default 1)"
          }
        >
          <input inputMode="decimal" value={values.target} onChange={(e) => set("target")(e.target.value)} />
        </Field>
        <Field label="Workload kind" error={err("workload_kind")}>
          <select value={values.kind} onChange={(e) => set("kind")(e.target.value)}>
            <option value="">Deployment (default)</option>
            <option value="StatefulSet">StatefulSet</option>
          </select>
        </Field>
      </div>
    </fieldset>
  );
}
