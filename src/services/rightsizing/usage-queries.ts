/**
 * The standard PromQL for rightsizing a container, per namespace and optionally one workload
 * (its pods are `<workload>-…`). Every query keeps `namespace` and `container`, taking the
 * highest pod: a request must fit the busiest replica. Each can be replaced per workload.
 */
export interface UsageQueries {
  readonly cpu: string;
  readonly memory: string;
  readonly throttling: string;
  readonly cpuRequests: string;
  readonly memoryRequests: string;
  readonly oomKills: string;
  /** The workload's requests per second, all replicas together (`--request-rate-query` replaces it). */
  readonly requestRate?: string;
  readonly latency?: string;
  /** CPU of all the workload's replicas together, per container: the demand replicas share. */
  readonly workloadCpu?: string;
}

export function standardQueries(
  namespace: string,
  workload?: string,
  overrides: { readonly requestRate?: string | undefined } = {},
): UsageQueries {
  const pod = workload ? `,pod=~"${escapeLabel(workload)}-.*"` : "";
  const sel = `namespace="${escapeLabel(namespace)}",container!="",container!="POD"${pod}`;
  return {
    cpu: `max by (namespace, container) (rate(container_cpu_usage_seconds_total{${sel}}[5m]))`,
    memory: `max by (namespace, container) (container_memory_working_set_bytes{${sel}})`,
    throttling: `max by (namespace, container) (rate(container_cpu_cfs_throttled_periods_total{${sel}}[5m]) / rate(container_cpu_cfs_periods_total{${sel}}[5m]))`,
    cpuRequests: `max by (namespace, container) (kube_pod_container_resource_requests{${sel},resource="cpu"})`,
    memoryRequests: `max by (namespace, container) (kube_pod_container_resource_requests{${sel},resource="memory"})`,
    oomKills: `max by (namespace, container) (increase(kube_pod_container_status_restarts_total{${sel}}[5m]) * on (namespace, pod, container) group_left kube_pod_container_status_last_terminated_reason{${sel},reason="OOMKilled"})`,
    requestRate:
      overrides.requestRate ??
      `sum(rate(http_requests_total{namespace="${escapeLabel(namespace)}"${pod}}[5m]))`,
    workloadCpu: `sum by (namespace, container) (rate(container_cpu_usage_seconds_total{${sel}}[5m]))`,
  };
}

const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
