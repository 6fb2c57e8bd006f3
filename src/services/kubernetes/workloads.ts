import {
  AppsV1Api,
  AutoscalingV2Api,
  type ConfigurationOptions,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  type V1Deployment,
  type V1StatefulSet,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import type { HpaMetric, WorkloadRef } from "../../rightsizing/kubernetes-patch.js";
import { isCpuUtilization } from "../../rightsizing/kubernetes-patch.js";
import type { ReplicaScaler } from "../rightsizing/experiment-runner.js";
import { KubernetesError, kubernetesError } from "./errors.js";

/** What a Deployment or StatefulSet looks like to rightsizing: replicas and containers' resources. */
export interface WorkloadState {
  readonly ref: WorkloadRef;
  readonly replicas: number | null;
  readonly readyReplicas: number;
  readonly containers: readonly {
    readonly name: string;
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  }[];
}

/** The HPA whose scaleTargetRef is a workload: bounds, Resource/Utilization targets, all metrics. */
export interface HpaState {
  readonly name: string;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number | null;
  readonly memoryUtilization: number | null;
  readonly currentReplicas: number | null;
  readonly metrics: readonly HpaMetric[];
}

export interface PatchOptions {
  /** Persist nothing: the API server validates and returns the result (`dryRun=All`). */
  readonly dryRun: boolean;
  /** Server-side apply (`application/apply-patch+yaml`, field manager `aurea`) instead of a strategic merge. */
  readonly serverSide?: boolean;
  /** Server-side apply only: take over fields another manager owns instead of failing with 409. */
  readonly force?: boolean;
}

/** Load experiments scale a workload through their `ReplicaScaler`; `KubernetesWorkloads` is one. */
export type { ReplicaScaler };

export interface KubernetesWorkloadsOptions {
  readonly fieldManager?: string;
  /** Each API request's deadline (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** How long `scale` waits for the replicas to be ready (default 5 min), and how often it looks. */
  readonly readyTimeoutMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const label = (ref: WorkloadRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;

/**
 * Deployments, StatefulSets and their HPAs through @kubernetes/client-node: read them, patch
 * their resources (always callable as a dry run first), scale them through the scale
 * subresource and wait until the replicas are ready. Every failure is a KubernetesError naming
 * the workload and the API's reason.
 */
export class KubernetesWorkloads implements ReplicaScaler {
  readonly #apps: AppsV1Api;
  readonly #autoscaling: AutoscalingV2Api;
  readonly #server: string;
  readonly #fieldManager: string;
  readonly #timeoutMs: number;
  readonly #readyTimeoutMs: number;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(config: KubeConfig, options: KubernetesWorkloadsOptions = {}) {
    this.#apps = config.makeApiClient(AppsV1Api);
    this.#autoscaling = config.makeApiClient(AutoscalingV2Api);
    this.#server = config.getCurrentCluster()?.server ?? "(no server)";
    this.#fieldManager = options.fieldManager ?? "aurea";
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get server(): string {
    return this.#server;
  }

  async get(ref: WorkloadRef): Promise<WorkloadState> {
    return stateOf(ref, await this.#read(ref));
  }

  /**
   * PATCHes the workload with `patch` (a strategic-merge patch or an apply configuration of the
   * same shape, e.g. `resourcesPatch`) and returns the object the API server answered: with
   * `dryRun` that is what the workload would become, and nothing is stored.
   */
  async applyResources(ref: WorkloadRef, patch: object, options: PatchOptions): Promise<WorkloadState> {
    supported(ref);
    const what = `${label(ref)}: ${options.dryRun ? "dry-run patch" : "patch"}`;
    const object = await this.#call<V1Deployment | V1StatefulSet>(
      what,
      (config) => {
        const request = {
          name: ref.name,
          namespace: ref.namespace,
          body: patch,
          ...this.#patchParams(options),
        };
        return ref.kind === "StatefulSet"
          ? this.#apps.patchNamespacedStatefulSet(request, config)
          : this.#apps.patchNamespacedDeployment(request, config);
      },
      options.serverSide ? PatchStrategy.ServerSideApply : PatchStrategy.StrategicMergePatch,
    );
    return stateOf(ref, object);
  }

  /** The autoscaling/v2 HPA whose scaleTargetRef is the workload, or null when none is. */
  async findHpa(namespace: string, workload: string | WorkloadRef): Promise<HpaState | null> {
    const ref = toRef(namespace, workload);
    const list = await this.#call(`HorizontalPodAutoscalers in ${namespace} (for ${label(ref)})`, (options) =>
      this.#autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, options),
    );
    const hpa = list.items.find(
      (h) => h.spec?.scaleTargetRef.kind === ref.kind && h.spec.scaleTargetRef.name === ref.name,
    );
    return hpa ? hpaStateOf(hpa) : null;
  }

  /** PATCHes an HPA (strategic merge, or server-side apply) and returns what the API server answered. */
  async patchHpa(namespace: string, name: string, patch: object, options: PatchOptions): Promise<HpaState> {
    const what = `HorizontalPodAutoscaler ${namespace}/${name}: ${options.dryRun ? "dry-run patch" : "patch"}`;
    const object = await this.#call(
      what,
      (config) =>
        this.#autoscaling.patchNamespacedHorizontalPodAutoscaler(
          { name, namespace, body: patch, ...this.#patchParams(options) },
          config,
        ),
      options.serverSide ? PatchStrategy.ServerSideApply : PatchStrategy.StrategicMergePatch,
    );
    return hpaStateOf(object);
  }

  /**
   * Sets the replica count through the scale subresource, then waits until the workload has
   * observed it and that many replicas are updated and ready. `workload` is a Deployment's name,
   * or `statefulset/<name>` / `deployment/<name>`.
   */
  async scale(namespace: string, workload: string | WorkloadRef, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new RangeError(`replicas must be a whole number ≥ 0, got ${replicas}`);
    const ref = toRef(namespace, workload);
    supported(ref);
    const body = { spec: { replicas } };
    await this.#call(
      `${label(ref)}: scale to ${replicas}`,
      (options) =>
        ref.kind === "StatefulSet"
          ? this.#apps.patchNamespacedStatefulSetScale({ name: ref.name, namespace, body }, options)
          : this.#apps.patchNamespacedDeploymentScale({ name: ref.name, namespace, body }, options),
      PatchStrategy.MergePatch,
    );
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (;;) {
      const object = await this.#read(ref);
      const status = object.status;
      const observed = (status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 0);
      const ready = status?.readyReplicas ?? 0;
      const updated = status?.updatedReplicas ?? 0;
      const total = status?.replicas ?? 0;
      if (observed && ready === replicas && updated === replicas && total === replicas) return;
      if (Date.now() >= deadline)
        throw new KubernetesError(
          `${label(ref)}: scaled to ${replicas} but after ${Math.round(this.#readyTimeoutMs / 1000)} s ${ready} ready, ${updated} updated, ${total} existing`,
          null,
          "NotReady",
        );
      await this.#sleep(this.#pollMs);
    }
  }

  #patchParams(options: PatchOptions) {
    return {
      ...(options.dryRun ? { dryRun: "All" } : {}),
      fieldManager: this.#fieldManager,
      ...(options.serverSide && options.force ? { force: true } : {}),
    };
  }

  #read(ref: WorkloadRef) {
    supported(ref);
    return this.#call<V1Deployment | V1StatefulSet>(`${label(ref)}: read`, (options) =>
      ref.kind === "StatefulSet"
        ? this.#apps.readNamespacedStatefulSet({ name: ref.name, namespace: ref.namespace }, options)
        : this.#apps.readNamespacedDeployment({ name: ref.name, namespace: ref.namespace }, options),
    );
  }

  async #call<T>(what: string, request: (options: ConfigurationOptions) => Promise<T>, contentType?: string) {
    const middleware: ObservableMiddleware[] = [timeout(this.#timeoutMs)];
    if (contentType) middleware.push(header("Content-Type", contentType));
    try {
      return await request({ middleware, middlewareMergeStrategy: "append" });
    } catch (error) {
      throw kubernetesError(error, what, this.#server);
    }
  }
}

/** DaemonSets have no replicas and are not patched here. */
function supported(ref: WorkloadRef) {
  if (ref.kind !== "Deployment" && ref.kind !== "StatefulSet")
    throw new KubernetesError(
      `${label(ref)}: only Deployments and StatefulSets are supported`,
      null,
      "Unsupported",
    );
}

function toRef(namespace: string, workload: string | WorkloadRef): WorkloadRef {
  if (typeof workload !== "string") return workload;
  const slash = workload.indexOf("/");
  const kind = slash < 0 ? "deployment" : workload.slice(0, slash).toLowerCase();
  const name = slash < 0 ? workload : workload.slice(slash + 1);
  if (kind === "deployment" || kind === "deploy") return { kind: "Deployment", name, namespace };
  if (kind === "statefulset" || kind === "sts") return { kind: "StatefulSet", name, namespace };
  throw new KubernetesError(
    `${workload}: only deployment/<name> and statefulset/<name> can be scaled`,
    null,
    "Unsupported",
  );
}

// client-node's exported API classes take its Observable-stub middleware, not promise middleware.
const middleware = (pre: (request: RequestContext) => void): ObservableMiddleware => ({
  pre: (request: RequestContext) => {
    pre(request);
    return new Observable(Promise.resolve(request));
  },
  post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
});

const header = (key: string, value: string) => middleware((request) => request.setHeaderParam(key, value));

const timeout = (ms: number) =>
  middleware((request) =>
    request.setSignal(AbortSignal.timeout(ms) as Parameters<RequestContext["setSignal"]>[0]),
  );

function stateOf(ref: WorkloadRef, object: V1Deployment | V1StatefulSet): WorkloadState {
  return {
    ref,
    replicas: object.spec?.replicas ?? null,
    readyReplicas: object.status?.readyReplicas ?? 0,
    containers: (object.spec?.template.spec?.containers ?? []).map((c) => ({
      name: c.name,
      requests: { ...(c.resources?.requests ?? {}) },
      limits: { ...(c.resources?.limits ?? {}) },
    })),
  };
}

function hpaStateOf(hpa: V2HorizontalPodAutoscaler): HpaState {
  const metrics = JSON.parse(JSON.stringify(hpa.spec?.metrics ?? [])) as HpaMetric[];
  const utilisation = (name: string) =>
    metrics.find(
      (m) => m.type === "Resource" && m.resource?.name === name && m.resource.target.type === "Utilization",
    )?.resource?.target.averageUtilization ?? null;
  return {
    name: hpa.metadata?.name ?? "",
    namespace: hpa.metadata?.namespace ?? "",
    minReplicas: hpa.spec?.minReplicas ?? 1,
    maxReplicas: hpa.spec?.maxReplicas ?? 1,
    cpuUtilization: metrics.some(isCpuUtilization) ? utilisation("cpu") : null,
    memoryUtilization: utilisation("memory"),
    currentReplicas: hpa.status?.currentReplicas ?? null,
    metrics,
  };
}
