import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resourcesPatch } from "../../src/rightsizing/kubernetes-patch.js";
import {
  applyPlans,
  KubeConfigError,
  KubernetesError,
  KubernetesWorkloads,
  loadKubeConfig,
  type ReplicaScaler,
} from "../../src/services/kubernetes/index.js";
import {
  deployment,
  horizontalPodAutoscaler,
  type KubeStandIn,
  startKubeApiServerStandIn,
} from "../support/kube-apiserver-standin.js";
import { closedPort } from "../support/local-server.js";

const CART = { kind: "Deployment", name: "cart", namespace: "shop" } as const;
const cartPatch = (cpu = 0.25, memory = 2 ** 28) =>
  resourcesPatch(CART, [
    { container: "cart", cpu: { request: cpu, limit: null }, memory: { request: memory, limit: 2 * memory } },
  ]);

describe("KubernetesWorkloads against a Kubernetes API server stand-in", () => {
  let api: KubeStandIn;
  let dir: string;
  let kubeconfig: string;
  let workloads: KubernetesWorkloads;

  beforeAll(async () => {
    api = await startKubeApiServerStandIn({
      tokens: { "admin-token": "write", "viewer-token": "read" },
      readyDelayMs: 150,
      neverReady: ["shop/stuck"],
    });
    dir = await mkdtemp(join(tmpdir(), "aurea-kube-"));
    kubeconfig = api.kubeconfig(dir, [
      { name: "admin", token: "admin-token" },
      { name: "viewer", token: "viewer-token" },
      { name: "stranger", token: "nobody" },
    ]);
    workloads = new KubernetesWorkloads(loadKubeConfig({ kubeconfig, env: {} }).config, {
      pollMs: 20,
      readyTimeoutMs: 2000,
    });
  });

  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    api.requests.length = 0;
    api.put(
      deployment(
        "shop",
        "cart",
        [{ name: "cart", requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } }],
        2,
      ),
    );
    api.put(deployment("shop", "web", [{ name: "web", requests: { cpu: "500m" } }], 3));
    api.put(deployment("shop", "db", [{ name: "db", requests: { cpu: "1" } }], 1, "StatefulSet"));
    api.put(deployment("shop", "stuck", [{ name: "stuck" }], 1));
    api.put(horizontalPodAutoscaler("shop", "web", "web", { min: 2, max: 6, cpu: 80, memory: 75 }));
  });

  it("uses HTTPS with the kubeconfig's CA and a bearer token", async () => {
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const state = await workloads.get(CART);
    expect(state).toMatchObject({
      replicas: 2,
      containers: [{ name: "cart", requests: { cpu: "100m", memory: "128Mi" } }],
    });
    expect(api.requests[0]).toMatchObject({
      method: "GET",
      path: "/apis/apps/v1/namespaces/shop/deployments/cart",
      token: "admin-token",
    });
  });

  it("a dry run answers the patched object and stores nothing", async () => {
    const after = await workloads.applyResources(CART, cartPatch(), { dryRun: true });
    expect(after.containers[0]?.requests).toEqual({ cpu: "250m", memory: "256Mi" });
    expect(
      api.get("deployments", "shop", "cart")?.spec.template.spec.containers[0].resources.requests.cpu,
    ).toBe("100m");
    expect(api.requests[0]).toMatchObject({
      method: "PATCH",
      contentType: "application/strategic-merge-patch+json",
      query: { dryRun: "All", fieldManager: "aurea" },
    });
  });

  it("a real strategic-merge patch changes only the containers' resources", async () => {
    await workloads.applyResources(CART, cartPatch(), { dryRun: false });
    const stored = api.get("deployments", "shop", "cart");
    expect(stored?.spec.template.spec.containers[0]).toEqual({
      name: "cart",
      image: "registry.example/cart:1.0",
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    });
    expect(stored?.spec.replicas).toBe(2);
    expect(api.requests[0]?.query).toEqual({ fieldManager: "aurea" });
  });

  it("server-side apply conflicts with the fields' owner unless forced", async () => {
    const error = await workloads
      .applyResources(CART, cartPatch(), { dryRun: true, serverSide: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesError);
    expect((error as KubernetesError).status).toBe(409);
    expect((error as KubernetesError).message).toMatch(
      /^Deployment shop\/cart: dry-run patch: 409 Conflict: Apply failed with 3 conflicts: conflict with "kubectl-client-side-apply"/,
    );
    const forced = await workloads.applyResources(CART, cartPatch(), {
      dryRun: false,
      serverSide: true,
      force: true,
    });
    expect(forced.containers[0]?.requests.cpu).toBe("250m");
    expect(api.requests.map((r) => [r.contentType, r.query])).toEqual([
      ["application/apply-patch+yaml", { dryRun: "All", fieldManager: "aurea" }],
      ["application/apply-patch+yaml", { fieldManager: "aurea", force: "true" }],
    ]);
    // Aurea owns those fields now: applying again is no conflict.
    await workloads.applyResources(CART, cartPatch(0.3), { dryRun: false, serverSide: true });
  });

  it.each([
    [
      "a missing workload",
      { ...CART, name: "nope" },
      "cart",
      "admin",
      /Deployment shop\/nope: dry-run patch: 404 NotFound: deployments\.apps "nope" not found/,
      404,
    ],
    [
      "a container that does not exist (no image)",
      CART,
      "typo",
      "admin",
      /422 Invalid: Deployment\.apps "cart" is invalid: spec\.template\.spec\.containers\[1\]\.image: Required value/,
      422,
    ],
    [
      "a read-only token",
      CART,
      "cart",
      "viewer",
      /403 Forbidden: deployments\.apps "cart" is forbidden: User .* cannot patch/,
      403,
    ],
    ["an unknown token", CART, "cart", "stranger", /401 Unauthorized/, 401],
  ] as const)(
    "%s is a KubernetesError naming the workload and the reason",
    async (_, ref, container, context, message, status) => {
      const client = new KubernetesWorkloads(loadKubeConfig({ kubeconfig, context, env: {} }).config);
      const patch = resourcesPatch(ref, [{ container, cpu: { request: 0.1, limit: null } }]);
      const error = (await client
        .applyResources(ref, patch, { dryRun: true })
        .catch((e: unknown) => e)) as KubernetesError;
      expect(error).toBeInstanceOf(KubernetesError);
      expect(error.status).toBe(status);
      expect(error.message).toMatch(message);
    },
  );

  it("a request above its limit is refused as invalid", async () => {
    const patch = resourcesPatch(CART, [{ container: "cart", memory: { request: 2 ** 30, limit: 2 ** 29 } }]);
    await expect(workloads.applyResources(CART, patch, { dryRun: true })).rejects.toThrow(
      /422 Invalid: .*must be less than or equal to memory limit of 512Mi/,
    );
  });

  it("an unreachable API server is named with the connection error", async () => {
    const port = await closedPort();
    const file = api.kubeconfig(dir, [
      { name: "down", token: "admin-token", server: `https://127.0.0.1:${port}` },
    ]);
    const client = new KubernetesWorkloads(loadKubeConfig({ kubeconfig: file, env: {} }).config);
    const error = (await client.get(CART).catch((e: unknown) => e)) as KubernetesError;
    expect(error).toBeInstanceOf(KubernetesError);
    expect(error.reason).toBe("Unreachable");
    expect(error.message).toBe(
      `Deployment shop/cart: read: the API server at https://127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
    );
  });

  it("finds the autoscaling/v2 HPA whose scaleTargetRef is the workload", async () => {
    const hpa = await workloads.findHpa("shop", "web");
    expect(hpa).toMatchObject({
      name: "web",
      minReplicas: 2,
      maxReplicas: 6,
      cpuUtilization: 80,
      memoryUtilization: 75,
    });
    expect(await workloads.findHpa("shop", "cart")).toBeNull();
    expect(await workloads.findHpa("shop", "statefulset/web")).toBeNull();
    expect(api.requests[0]).toMatchObject({
      method: "GET",
      path: "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers",
    });
  });

  it("scales through the scale subresource and waits until the replicas are ready", async () => {
    const scaler: ReplicaScaler = workloads;
    const started = Date.now();
    await scaler.scale("shop", "cart", 5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const stored = api.get("deployments", "shop", "cart");
    expect(stored?.spec.replicas).toBe(5);
    expect(stored?.status).toMatchObject({
      readyReplicas: 5,
      updatedReplicas: 5,
      observedGeneration: stored?.metadata.generation,
    });
    expect(api.requests[0]).toMatchObject({
      method: "PATCH",
      path: "/apis/apps/v1/namespaces/shop/deployments/cart/scale",
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 5 } },
    });
    expect(api.requests.filter((r) => r.method === "GET").length).toBeGreaterThan(1);
    await scaler.scale("shop", "statefulset/db", 3);
    expect(api.get("statefulsets", "shop", "db")?.spec.replicas).toBe(3);
  });

  it("gives up waiting with the counts it saw, and refuses a negative count", async () => {
    await expect(workloads.scale("shop", "stuck", 2)).rejects.toThrow(
      "Deployment shop/stuck: scaled to 2 but after 2 s 1 ready, 1 updated, 1 existing",
    );
    await expect(workloads.scale("shop", "cart", -1)).rejects.toThrow(RangeError);
    await expect(workloads.scale("shop", "daemonset/x", 1)).rejects.toThrow(
      /only deployment\/<name> and statefulset\/<name>/,
    );
  });

  it("applyPlans patches nothing when one workload's dry run fails", async () => {
    const good = { workload: CART, patch: cartPatch() };
    const bad = {
      workload: { ...CART, name: "web" },
      patch: resourcesPatch({ ...CART, name: "web" }, [
        { container: "wbe", cpu: { request: 0.2, limit: null } },
      ]),
    };
    const result = await applyPlans(workloads, [good, bad], {});
    expect(result.applied).toBeNull();
    expect(result.dryRun[0]).toEqual({
      workload: CART,
      ok: true,
      changes: [
        { field: "cart.requests.cpu", before: "100m", after: "250m" },
        { field: "cart.requests.memory", before: "128Mi", after: "256Mi" },
        { field: "cart.limits.memory", before: "256Mi", after: "512Mi" },
      ],
    });
    expect(result.dryRun[1]?.ok).toBe(false);
    expect(result.dryRun[1]?.error?.message).toMatch(/Deployment shop\/web: dry-run patch: 422 Invalid/);
    expect(api.requests.filter((r) => r.method === "PATCH" && r.query.dryRun !== "All")).toEqual([]);
    expect(
      api.get("deployments", "shop", "cart")?.spec.template.spec.containers[0].resources.requests.cpu,
    ).toBe("100m");
  });

  it("applyPlans dry-runs every workload before the first real patch", async () => {
    const web = { ...CART, name: "web" };
    const before = await workloads.findHpa("shop", "web");
    const result = await applyPlans(
      workloads,
      [
        {
          workload: CART,
          patch: resourcesPatch(CART, [{ container: "cart", cpu: { request: 0.2, limit: null } }], {
            replicas: 4,
          }),
        },
        {
          workload: web,
          patch: resourcesPatch(web, [{ container: "web", cpu: { request: 0.4, limit: null } }]),
          hpa: { before: before!, patch: { spec: { maxReplicas: 9 } } },
        },
      ],
      {},
    );
    expect(result.applied?.map((o) => o.ok)).toEqual([true, true]);
    expect(result.applied?.[0]?.changes).toEqual([
      { field: "replicas", before: "2", after: "4" },
      { field: "cart.requests.cpu", before: "100m", after: "200m" },
    ]);
    expect(result.applied?.[1]?.changes).toEqual([
      { field: "web.requests.cpu", before: "500m", after: "400m" },
      { field: "hpa/web.maxReplicas", before: "6", after: "9" },
    ]);
    const patches = api.requests
      .filter((r) => r.method === "PATCH")
      .map((r) => `${r.path} ${r.query.dryRun ?? "real"}`);
    expect(patches).toEqual([
      "/apis/apps/v1/namespaces/shop/deployments/cart All",
      "/apis/apps/v1/namespaces/shop/deployments/web All",
      "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web All",
      "/apis/apps/v1/namespaces/shop/deployments/cart real",
      "/apis/apps/v1/namespaces/shop/deployments/web real",
      "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web real",
    ]);
    expect(api.get("horizontalpodautoscalers", "shop", "web")?.spec.maxReplicas).toBe(9);
  });
});

describe("loadKubeConfig", () => {
  let dir: string;
  let api: KubeStandIn;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aurea-kubeconfig-"));
    api = await startKubeApiServerStandIn({ tls: false });
  });
  afterAll(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("merges the files of KUBECONFIG, the first file's current context winning", () => {
    const a = api.kubeconfig(dir, [{ name: "a", token: "t" }]);
    const b = api.kubeconfig(dir, [{ name: "b", token: "t" }]);
    const { config, source } = loadKubeConfig({ env: { KUBECONFIG: [a, b].join(delimiter) } });
    expect(config.getCurrentContext()).toBe("a");
    expect(config.getContexts().map((c) => c.name)).toEqual(["a", "b"]);
    expect(source).toBe(`KUBECONFIG=${a}${delimiter}${b}`);
    expect(
      loadKubeConfig({ env: { KUBECONFIG: a + delimiter + b }, context: "b" }).config.getCurrentContext(),
    ).toBe("b");
  });

  it("reads ~/.kube/config when nothing else is given, and allows plain HTTP only with insecure-skip-tls-verify", async () => {
    await mkdir(join(dir, "home", ".kube"), { recursive: true });
    await writeFile(
      join(dir, "home", ".kube", "config"),
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n`,
    );
    expect(() => loadKubeConfig({ env: { HOME: join(dir, "home") } })).toThrow(
      /cluster "c" is plain HTTP \(http:\/\/127\.0\.0\.1:1\): client-node only allows that with insecure-skip-tls-verify: true/,
    );
  });

  it("uses the pod's service account in a cluster", async () => {
    const sa = join(dir, "sa");
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, "token"), "pod-token");
    await writeFile(join(sa, "ca.crt"), "");
    await writeFile(join(sa, "namespace"), "shop\n");
    const { config, source } = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      serviceAccountDir: sa,
    });
    expect(source).toBe("in-cluster service account");
    expect(config.getCurrentCluster()?.server).toBe("https://10.96.0.1:443");
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe("shop");
  });

  it.each([
    [{ env: {} }, /no Kubernetes configuration: give --kubeconfig <file>, set KUBECONFIG/],
    [
      { env: {}, kubeconfig: "/nonexistent/kubeconfig" },
      /--kubeconfig \/nonexistent\/kubeconfig does not exist/,
    ],
    [{ env: { KUBECONFIG: "/nonexistent/a" } }, /KUBECONFIG's \/nonexistent\/a does not exist/],
  ])("refuses %j with a message saying what to do", (options, message) => {
    expect(() => loadKubeConfig({ ...options, serviceAccountDir: join(dir, "none") })).toThrow(
      KubeConfigError,
    );
    expect(() => loadKubeConfig({ ...options, serviceAccountDir: join(dir, "none") })).toThrow(message);
  });

  it("names the contexts there are when --kube-context is not one", () => {
    const file = api.kubeconfig(dir, [
      { name: "prod", token: "t" },
      { name: "dev", token: "t" },
    ]);
    expect(() => loadKubeConfig({ kubeconfig: file, context: "staging", env: {} })).toThrow(
      `--kube-context "staging" is not in ${file} (contexts: prod, dev)`,
    );
  });
});
