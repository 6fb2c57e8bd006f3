import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { hasCommand } from "./tools.js";

/**
 * A local stand-in for the Kubernetes API server — there is none on this machine (no Docker,
 * no kind) — speaking the documented REST protocol for what Aurea uses, on 127.0.0.1 only:
 *
 * - `GET|PATCH /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}` and their
 *   `/scale` subresource (an `autoscaling/v1` Scale);
 * - `GET /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers`, `GET|PATCH …/{name}`;
 * - PATCH content types as in https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 *   and https://kubernetes.io/docs/reference/using-api/server-side-apply/:
 *   `application/strategic-merge-patch+json` (lists with a patch merge key — containers by
 *   `name` — merge, `null` deletes), `application/merge-patch+json` (RFC 7386: lists replace),
 *   `application/apply-patch+yaml` (needs `fieldManager`; a field owned by another manager with
 *   a different value is a 409 Conflict unless `force=true`; `force` on any other patch is a 422),
 *   `application/json-patch+json` refused unless the body is an array (415 for arrays: unused);
 * - `dryRun=All` runs everything (merge, validation, conflicts) and answers the result without
 *   storing it; any other dryRun value is a 422, as the API server's;
 * - bearer-token auth: no or an unknown token → 401, a read-only token patching → 403;
 * - errors as `Status` objects (`kind: Status`, `status: Failure`, `reason`, `code`, `details`)
 *   for 400/401/403/404/409/415/422; validation (422) of what a patch would produce: every
 *   container needs an image, requests at most limits, quantities well-formed, replicas ≥ 0,
 *   an HPA's 1 ≤ minReplicas ≤ maxReplicas;
 * - a controller's view of status: after a write, `observedGeneration`, `replicas`,
 *   `updatedReplicas` and `readyReplicas` follow the spec after `readyDelayMs`.
 *
 * Not modelled: fields a manager stops applying are not removed, no resourceVersion
 * preconditions, no watch, no discovery. HTTPS with a self-signed certificate (openssl) when
 * available; plain HTTP (kubeconfig `insecure-skip-tls-verify`) otherwise or on request.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  readonly token: string | null;
  readonly body: unknown;
  /** The HTTP status answered. */
  status: number;
}

export interface KubeStandInOptions {
  /** Tokens and what they may do. */
  readonly tokens?: Readonly<Record<string, "write" | "read">>;
  readonly tls?: boolean;
  /** How long after a write the status shows the new replicas ready (default 0). */
  readonly readyDelayMs?: number;
  /** Workloads (`namespace/name`) whose replicas never become ready. */
  readonly neverReady?: readonly string[];
}

export interface KubeStandIn {
  readonly url: string;
  /** PEM of the serving certificate (HTTPS), the kubeconfig's certificate-authority-data. */
  readonly caPem: string | null;
  readonly requests: RecordedRequest[];
  /** Stores (or replaces) an object as an API client would have created it. */
  put(object: KubeObject, manager?: string): void;
  /** A copy of the stored object, or undefined. */
  get(resource: Resource, namespace: string, name: string): KubeObject | undefined;
  /** Writes a kubeconfig with one context per entry and returns its path. */
  kubeconfig(
    dir: string,
    contexts: readonly { name: string; token: string; server?: string }[],
    current?: string,
  ): string;
  close(): Promise<void>;
}

export type Resource = "deployments" | "statefulsets" | "horizontalpodautoscalers";
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
export type KubeObject = Record<string, any>;

const KINDS: Record<Resource, { kind: string; group: string; version: string }> = {
  deployments: { kind: "Deployment", group: "apps", version: "v1" },
  statefulsets: { kind: "StatefulSet", group: "apps", version: "v1" },
  horizontalpodautoscalers: { kind: "HorizontalPodAutoscaler", group: "autoscaling", version: "v2" },
};
const RESOURCE_OF: Record<string, Resource> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  HorizontalPodAutoscaler: "horizontalpodautoscalers",
};
/** Patch merge keys of the lists a strategic merge patch merges rather than replaces. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
};

class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KubeObject,
  ) {
    super(message);
  }
}

const clone = <T>(x: T): T => structuredClone(x);
const isMap = (v: unknown): v is KubeObject => typeof v === "object" && v !== null && !Array.isArray(v);

export async function startKubeApiServerStandIn(options: KubeStandInOptions = {}): Promise<KubeStandIn> {
  const tokens = options.tokens ?? { "admin-token": "write" };
  const store = new Map<string, KubeObject>();
  /** Field ownership per object: leaf path → manager. */
  const owners = new Map<string, Map<string, string>>();
  const requests: RecordedRequest[] = [];
  /** The pending controller update per object: a newer write replaces it. */
  const timers = new Map<string, NodeJS.Timeout>();
  const key = (resource: Resource, ns: string, name: string) => `${resource}/${ns}/${name}`;
  let resourceVersion = 1000;

  const put = (object: KubeObject, manager = "kubectl-client-side-apply") => {
    const resource = RESOURCE_OF[object.kind];
    if (!resource) throw new Error(`the stand-in does not serve ${object.kind}`);
    const stored = clone(object);
    stored.apiVersion = `${KINDS[resource].group}/${KINDS[resource].version}`;
    stored.metadata = {
      uid: `uid-${object.metadata.name}`,
      generation: 1,
      creationTimestamp: "2026-01-01T00:00:00Z",
      ...stored.metadata,
      resourceVersion: String(++resourceVersion),
    };
    if (resource !== "horizontalpodautoscalers") {
      stored.spec.replicas ??= 1;
      const n = stored.spec.replicas;
      stored.status = {
        observedGeneration: 1,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
      };
    }
    const k = key(resource, stored.metadata.namespace, stored.metadata.name);
    clearTimeout(timers.get(k));
    timers.delete(k);
    store.set(k, stored);
    const owned = new Map<string, string>();
    for (const path of leaves(stored.spec, ".spec")) owned.set(path, manager);
    owners.set(k, owned);
  };

  const converge = (k: string) => {
    const object = store.get(k);
    if (!object?.status) return;
    const settle = () => {
      const current = store.get(k);
      if (!current) return;
      const n = current.spec.replicas;
      current.status = {
        observedGeneration: current.metadata.generation,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: n,
        availableReplicas: n,
      };
    };
    object.status.observedGeneration = object.metadata.generation - 1;
    if (options.neverReady?.includes(`${object.metadata.namespace}/${object.metadata.name}`)) return;
    if (!options.readyDelayMs) return settle();
    clearTimeout(timers.get(k));
    timers.set(
      k,
      setTimeout(() => {
        timers.delete(k);
        settle();
      }, options.readyDelayMs),
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://standin");
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(request);
    const contentType = request.headers["content-type"]?.split(";")[0]?.trim() ?? null;
    const auth = request.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : null;
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query,
      contentType,
      token,
      body: parseBody(raw, contentType),
      status: 200,
    };
    requests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    try {
      answer(200, route(record, raw));
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      answer(error.code, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: error.message,
        reason: error.reason,
        ...(error.details ? { details: error.details } : {}),
        code: error.code,
      });
    }
  };

  const route = (r: RecordedRequest, raw: string): unknown => {
    if (!r.token || !(r.token in tokens)) throw new StatusError(401, "Unauthorized", "Unauthorized");
    const m = r.path.match(
      /^\/apis\/(apps\/v1|autoscaling\/v2)\/namespaces\/([^/]+)\/(deployments|statefulsets|horizontalpodautoscalers)(?:\/([^/]+))?(\/scale)?$/,
    );
    if (!m || (m[1] === "apps/v1") === (m[3] === "horizontalpodautoscalers"))
      throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    const [, , ns, resourceName, name, scale] = m as unknown as [
      string,
      string,
      string,
      Resource,
      string?,
      string?,
    ];
    const { kind, group } = KINDS[resourceName];
    if (r.method === "GET" && !name)
      return {
        kind: `${kind}List`,
        apiVersion: `${group}/${KINDS[resourceName].version}`,
        metadata: { resourceVersion: String(resourceVersion) },
        items: [...store.entries()]
          .filter(([k]) => k.startsWith(`${resourceName}/${ns}/`))
          .map(([, v]) => clone(v)),
      };
    if (!name)
      throw new StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    const k = key(resourceName, ns, name);
    const stored = store.get(k);
    const groupResource = `${resourceName}.${group}`;
    if (r.method !== "GET" && r.method !== "PATCH")
      throw new StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    if (r.method === "PATCH" && tokens[r.token] !== "write")
      throw new StatusError(
        403,
        "Forbidden",
        `${groupResource} "${name}" is forbidden: User "system:serviceaccount:${ns}:viewer" cannot patch resource "${resourceName}${scale ? "/scale" : ""}" in API group "${group}" in the namespace "${ns}"`,
        { name, group, kind: resourceName },
      );
    if (!stored)
      throw new StatusError(404, "NotFound", `${groupResource} "${name}" not found`, {
        name,
        group,
        kind: resourceName,
      });
    if (r.method === "GET") return scale ? scaleOf(stored) : clone(stored);

    // PATCH
    const dryRun = r.query.dryRun;
    if (dryRun !== undefined && dryRun !== "All")
      throw new StatusError(
        422,
        "Invalid",
        `PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["${dryRun}"]: supported values: "All"`,
      );
    const manager = r.query.fieldManager;
    const force = r.query.force;
    const apply = r.contentType === "application/apply-patch+yaml";
    if (force !== undefined && !apply)
      throw new StatusError(
        422,
        "Invalid",
        `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`,
      );
    if (apply && !manager)
      throw new StatusError(
        422,
        "Invalid",
        `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
      );
    let patch: unknown;
    try {
      patch = apply ? parseYaml(raw) : JSON.parse(raw);
    } catch (error) {
      throw new StatusError(400, "BadRequest", `error decoding patch: ${(error as Error).message}`);
    }
    let next: KubeObject;
    const owned = new Map(owners.get(k));
    if (scale) {
      if (!isMap(patch)) throw new StatusError(400, "BadRequest", "the patch must be an object");
      const merged = mergePatch(scaleOf(stored), patch);
      next = clone(stored);
      next.spec.replicas = merged.spec?.replicas;
    } else if (r.contentType === "application/strategic-merge-patch+json" || apply) {
      if (!isMap(patch)) throw new StatusError(400, "BadRequest", "the patch must be an object");
      if (apply) {
        if (patch.kind !== kind || patch.apiVersion !== stored.apiVersion)
          throw new StatusError(
            400,
            "BadRequest",
            `the apply configuration must be apiVersion ${stored.apiVersion}, kind ${kind}`,
          );
        const conflicts = [...leaves(patch.spec ?? {}, ".spec")].filter(
          (path) =>
            owned.has(path) &&
            owned.get(path) !== manager &&
            valueAt(stored, path) !== valueAt(patch as KubeObject, path),
        );
        if (conflicts.length > 0 && force !== "true")
          throw new StatusError(
            409,
            "Conflict",
            `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.map((p) => `conflict with "${owned.get(p)}" using ${stored.apiVersion}: ${p}`).join("\n")}`,
            {
              name,
              group,
              kind: resourceName,
              causes: conflicts.map((p) => ({
                reason: "FieldManagerConflict",
                message: `conflict with "${owned.get(p)}" using ${stored.apiVersion}`,
                field: p,
              })),
            },
          );
      }
      next = strategicMerge(stored, {
        ...(patch as KubeObject),
        apiVersion: stored.apiVersion,
        kind,
        metadata: stored.metadata,
      });
      for (const path of leaves((patch as KubeObject).spec ?? {}, ".spec"))
        owned.set(path, manager ?? "unknown");
    } else if (r.contentType === "application/merge-patch+json") {
      if (!isMap(patch)) throw new StatusError(400, "BadRequest", "the patch must be an object");
      next = mergePatch(stored, { ...patch, metadata: stored.metadata });
    } else if (r.contentType === "application/json-patch+json") {
      if (!Array.isArray(patch))
        throw new StatusError(
          400,
          "BadRequest",
          "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        );
      throw new StatusError(415, "UnsupportedMediaType", "the stand-in does not implement JSON patches");
    } else
      throw new StatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
    validate(next, kind, group, name);
    const specChanged = JSON.stringify(next.spec) !== JSON.stringify(stored.spec);
    if (specChanged) {
      next.metadata = { ...next.metadata, generation: stored.metadata.generation + 1 };
      if (dryRun === undefined) next.metadata.resourceVersion = String(++resourceVersion);
    }
    if (dryRun === undefined) {
      store.set(k, next);
      owners.set(k, owned);
      if (specChanged) converge(k);
    }
    return scale ? scaleOf(next) : clone(next);
  };

  let server: Server;
  let caPem: string | null = null;
  let tlsDir: string | null = null;
  const useTls = options.tls ?? hasCommand("openssl");
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          kind: "Status",
          status: "Failure",
          reason: "InternalError",
          message: String(error),
          code: 500,
        }),
      );
    });
  };
  if (useTls) {
    tlsDir = mkdtempSync(join(tmpdir(), "aurea-kube-tls-"));
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(tlsDir, "key.pem"),
        "-out",
        join(tlsDir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=kube-apiserver-standin",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    caPem = readFileSync(join(tlsDir, "cert.pem"), "utf8");
    server = createHttpsServer({ key: readFileSync(join(tlsDir, "key.pem")), cert: caPem }, listener);
  } else server = createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${useTls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    url,
    caPem,
    requests,
    put,
    get: (resource, ns, name) => {
      const o = store.get(key(resource, ns, name));
      return o ? clone(o) : undefined;
    },
    kubeconfig(dir, contexts, current) {
      const cluster = (server: string) =>
        server.startsWith("https") && caPem
          ? `    server: ${server}\n    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}\n`
          : `    server: ${server}\n    insecure-skip-tls-verify: true\n`;
      const text = [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${current ?? contexts[0]?.name}`,
        "clusters:",
        ...contexts.map((c) => `- name: ${c.name}\n  cluster:\n${cluster(c.server ?? url)}`.trimEnd()),
        "users:",
        ...contexts.map((c) => `- name: ${c.name}\n  user:\n    token: ${c.token}`),
        "contexts:",
        ...contexts.map((c) => `- name: ${c.name}\n  context:\n    cluster: ${c.name}\n    user: ${c.name}`),
        "",
      ].join("\n");
      const path = join(dir, `kubeconfig-${contexts.map((c) => c.name).join("-")}`);
      writeFileSync(path, text);
      return path;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers.values()) clearTimeout(t);
        if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Deployment as `kubectl create` would have stored it, for seeding the stand-in. */
export function deployment(
  namespace: string,
  name: string,
  containers: readonly { name: string; image?: string; requests?: KubeObject; limits?: KubeObject }[],
  replicas = 2,
  kind: "Deployment" | "StatefulSet" = "Deployment",
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: containers.map((c) => ({
            name: c.name,
            image: c.image ?? `registry.example/${c.name}:1.0`,
            resources: {
              ...(c.requests ? { requests: c.requests } : {}),
              ...(c.limits ? { limits: c.limits } : {}),
            },
          })),
        },
      },
    },
  };
}

/** An autoscaling/v2 HPA targeting a Deployment. */
export function horizontalPodAutoscaler(
  namespace: string,
  name: string,
  target: string,
  bounds: { min: number; max: number; cpu?: number; memory?: number; kind?: string },
): KubeObject {
  const resource = (resourceName: string, utilisation: number) => ({
    type: "Resource",
    resource: { name: resourceName, target: { type: "Utilization", averageUtilization: utilisation } },
  });
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: bounds.kind ?? "Deployment", name: target },
      minReplicas: bounds.min,
      maxReplicas: bounds.max,
      metrics: [
        ...(bounds.cpu !== undefined ? [resource("cpu", bounds.cpu)] : []),
        ...(bounds.memory !== undefined ? [resource("memory", bounds.memory)] : []),
      ],
    },
    status: { currentReplicas: bounds.min, desiredReplicas: bounds.min },
  };
}

function scaleOf(object: KubeObject): KubeObject {
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      resourceVersion: object.metadata.resourceVersion,
    },
    spec: { replicas: object.spec.replicas },
    status: {
      replicas: object.status?.replicas ?? 0,
      selector: Object.entries(object.spec.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}

/** RFC 7386: objects merge, null deletes, everything else (lists too) replaces. */
function mergePatch(target: KubeObject, patch: KubeObject): KubeObject {
  const out = clone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergePatch(out[k], v);
    else out[k] = clone(v);
  }
  return out;
}

/** Strategic merge: as a merge patch, but lists with a patch merge key merge item by item. */
function strategicMerge(target: KubeObject, patch: KubeObject): KubeObject {
  const out = clone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = strategicMerge(out[k], v);
    else if (Array.isArray(v) && Array.isArray(out[k]) && MERGE_KEYS[k]) {
      const mergeKey = MERGE_KEYS[k];
      const list = out[k] as KubeObject[];
      for (const item of v as KubeObject[]) {
        const at = list.findIndex((e) => e[mergeKey] === item[mergeKey]);
        if (at >= 0) list[at] = strategicMerge(list[at] as KubeObject, item);
        else list.push(clone(item));
      }
    } else out[k] = clone(v);
  }
  return out;
}

/**
 * Leaf field paths in the notation of server-side apply's conflict messages:
 * `.spec.template.spec.containers[name="cart"].resources.requests.cpu`.
 */
function* leaves(value: unknown, path: string): Generator<string> {
  if (isMap(value)) {
    for (const [k, v] of Object.entries(value)) yield* leaves(v, `${path}.${k}`);
  } else if (Array.isArray(value)) {
    const name = path.slice(path.lastIndexOf(".") + 1);
    const mergeKey = MERGE_KEYS[name];
    if (mergeKey)
      for (const item of value as KubeObject[])
        yield* leaves(item, `${path}[${mergeKey}="${item[mergeKey]}"]`);
    else yield path;
  } else yield path;
}

function valueAt(object: KubeObject, path: string): string | undefined {
  let at: unknown = object;
  for (const part of path.slice(1).match(/[^.[\]]+(?:\[[^\]]+\])?/g) ?? []) {
    const m = part.match(/^([^[]+)\[([^=]+)="([^"]*)"\]$/);
    if (m) {
      const list = (at as KubeObject | undefined)?.[m[1] as string];
      at = Array.isArray(list) ? list.find((e) => String(e[m[2] as string]) === m[3]) : undefined;
    } else at = (at as KubeObject | undefined)?.[part];
  }
  return at === undefined ? undefined : JSON.stringify(at);
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti|e[0-9]+)?$/;
const FACTORS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

function quantity(text: unknown): number | null {
  const m = String(text).match(QUANTITY);
  if (!m) return null;
  const suffix = m[2] ?? "";
  const factor = suffix.startsWith("e") ? 10 ** Number(suffix.slice(1)) : (FACTORS[suffix] as number);
  return Number(m[1]) * factor;
}

function validate(object: KubeObject, kind: string, group: string, name: string) {
  const causes: { reason: string; message: string; field: string }[] = [];
  const invalid = (field: string, message: string, reason = "FieldValueInvalid") =>
    causes.push({ reason, message, field });
  if (kind === "HorizontalPodAutoscaler") {
    const { minReplicas = 1, maxReplicas } = object.spec;
    if (!Number.isInteger(minReplicas) || minReplicas < 1)
      invalid("spec.minReplicas", `Invalid value: ${minReplicas}: must be greater than or equal to 1`);
    if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas)
      invalid(
        "spec.maxReplicas",
        `Invalid value: ${maxReplicas}: must be greater than or equal to \`minReplicas\``,
      );
    (object.spec.metrics ?? []).forEach((m: KubeObject, i: number) => {
      const u = m.resource?.target?.averageUtilization;
      if (u !== undefined && (!Number.isInteger(u) || u <= 0))
        invalid(
          `spec.metrics[${i}].resource.target.averageUtilization`,
          `Invalid value: ${u}: must be greater than 0`,
        );
    });
  } else {
    const replicas = object.spec.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      invalid(
        "spec.replicas",
        `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    (object.spec.template?.spec?.containers ?? []).forEach((c: KubeObject, i: number) => {
      const at = `spec.template.spec.containers[${i}]`;
      if (!c.image) invalid(`${at}.image`, "Required value", "FieldValueRequired");
      const requests = c.resources?.requests ?? {};
      const limits = c.resources?.limits ?? {};
      for (const [part, values] of [
        ["requests", requests],
        ["limits", limits],
      ] as const)
        for (const [resource, value] of Object.entries(values as KubeObject))
          if (quantity(value) === null)
            invalid(
              `${at}.resources.${part}.${resource}`,
              `Invalid value: "${value}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
            );
      for (const [resource, value] of Object.entries(requests as KubeObject)) {
        const limit = (limits as KubeObject)[resource];
        const r = quantity(value);
        const l = quantity(limit);
        if (limit !== undefined && r !== null && l !== null && r > l)
          invalid(
            `${at}.resources.requests`,
            `Invalid value: "${value}": must be less than or equal to ${resource} limit of ${limit}`,
          );
      }
    });
  }
  if (causes.length > 0)
    throw new StatusError(
      422,
      "Invalid",
      `${kind}.${group} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
      { name, group, kind, causes },
    );
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseBody(raw: string, contentType: string | null): unknown {
  if (raw.length === 0) return undefined;
  try {
    return contentType === "application/apply-patch+yaml" ? parseYaml(raw) : JSON.parse(raw);
  } catch {
    return raw;
  }
}
