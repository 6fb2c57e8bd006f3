export {
  type ApplyResult,
  applyPlans,
  type FieldChange,
  type PlanOutcome,
  type WorkloadPlan,
} from "./apply-plan.js";
export { KubernetesError } from "./errors.js";
export { KubeConfigError, loadKubeConfig } from "./kube-config.js";
export {
  type HpaState,
  KubernetesWorkloads,
  type PatchOptions,
  type ReplicaScaler,
  type WorkloadState,
} from "./workloads.js";
