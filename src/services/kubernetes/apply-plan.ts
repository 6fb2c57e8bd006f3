import type { WorkloadRef } from "../../rightsizing/kubernetes-patch.js";
import { KubernetesError } from "./errors.js";
import type { HpaState, KubernetesWorkloads, PatchOptions, WorkloadState } from "./workloads.js";

/** What `--apply` changes on one workload: its patch (resources, maybe replicas) and maybe its HPA's. */
export interface WorkloadPlan {
  readonly workload: WorkloadRef;
  readonly patch: object;
  readonly hpa?: { readonly before: HpaState; readonly patch: object };
}

export interface FieldChange {
  /** `replicas`, `<container>.requests.cpu`, `hpa/<name>.maxReplicas`, … */
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
}

export interface PlanOutcome {
  readonly workload: WorkloadRef;
  readonly ok: boolean;
  /** What differs between the workload before and the API server's answer to the patch. */
  readonly changes: readonly FieldChange[];
  readonly error?: KubernetesError;
}

export interface ApplyResult {
  /** Every workload's dry run, in plan order. */
  readonly dryRun: readonly PlanOutcome[];
  /** The real patches: null when a dry run failed (then nothing was written). */
  readonly applied: readonly PlanOutcome[] | null;
}

type Api = Pick<KubernetesWorkloads, "get" | "applyResources" | "patchHpa">;

/**
 * Dry-runs every workload's patches (`dryRun=All`: the API server validates, admits and answers
 * the result without storing it); only when all of them succeeded are the same patches sent for
 * real, so one invalid workload applies nothing. Changes are before (read first) → after (the
 * API server's answer).
 */
export async function applyPlans(
  api: Api,
  plans: readonly WorkloadPlan[],
  options: Omit<PatchOptions, "dryRun"> & {
    /** Only the dry runs, whatever their outcome (something else already failed). */
    readonly dryRunOnly?: boolean;
  },
): Promise<ApplyResult> {
  const before = new Map<WorkloadPlan, WorkloadState>();
  const dryRun: PlanOutcome[] = [];
  for (const plan of plans) {
    try {
      const state = await api.get(plan.workload);
      before.set(plan, state);
      dryRun.push({
        workload: plan.workload,
        ok: true,
        changes: await patchAll(api, plan, state, true, options),
      });
    } catch (error) {
      dryRun.push(failed(plan, error));
    }
  }
  if (options.dryRunOnly || dryRun.some((o) => !o.ok)) return { dryRun, applied: null };
  const applied: PlanOutcome[] = [];
  for (const plan of plans) {
    try {
      const state = before.get(plan) as WorkloadState;
      applied.push({
        workload: plan.workload,
        ok: true,
        changes: await patchAll(api, plan, state, false, options),
      });
    } catch (error) {
      applied.push(failed(plan, error));
    }
  }
  return { dryRun, applied };
}

async function patchAll(
  api: Api,
  plan: WorkloadPlan,
  state: WorkloadState,
  dryRun: boolean,
  options: Omit<PatchOptions, "dryRun">,
): Promise<FieldChange[]> {
  const patchOptions = {
    dryRun,
    ...(options.serverSide !== undefined ? { serverSide: options.serverSide } : {}),
    ...(options.force !== undefined ? { force: options.force } : {}),
  };
  const after = await api.applyResources(plan.workload, plan.patch, patchOptions);
  const changes = workloadChanges(state, after);
  if (plan.hpa) {
    const { before: hpa, patch } = plan.hpa;
    const hpaAfter = await api.patchHpa(hpa.namespace, hpa.name, patch, patchOptions);
    changes.push(...hpaChanges(hpa, hpaAfter));
  }
  return changes;
}

function failed(plan: WorkloadPlan, error: unknown): PlanOutcome {
  if (!(error instanceof KubernetesError)) throw error;
  return { workload: plan.workload, ok: false, changes: [], error };
}

/** Replicas and each container's requests and limits that differ. */
function workloadChanges(before: WorkloadState, after: WorkloadState): FieldChange[] {
  const changes: FieldChange[] = [];
  const text = (n: number | null) => (n === null ? null : String(n));
  if (before.replicas !== after.replicas)
    changes.push({ field: "replicas", before: text(before.replicas), after: text(after.replicas) });
  for (const container of after.containers) {
    const old = before.containers.find((c) => c.name === container.name);
    for (const part of ["requests", "limits"] as const) {
      const keys = new Set([...Object.keys(old?.[part] ?? {}), ...Object.keys(container[part])]);
      for (const key of [...keys].sort()) {
        const from = old?.[part][key] ?? null;
        const to = container[part][key] ?? null;
        if (from !== to) changes.push({ field: `${container.name}.${part}.${key}`, before: from, after: to });
      }
    }
  }
  return changes;
}

function hpaChanges(before: HpaState, after: HpaState): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const key of ["minReplicas", "maxReplicas", "cpuUtilization"] as const)
    if (before[key] !== after[key])
      changes.push({
        field: `hpa/${after.name}.${key === "cpuUtilization" ? "cpu.averageUtilization" : key}`,
        before: before[key] === null ? null : String(before[key]),
        after: after[key] === null ? null : String(after[key]),
      });
  return changes;
}
