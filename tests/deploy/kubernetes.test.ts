import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROMETHEUS_RULE_FILE, prometheusRuleYaml } from "../../scripts/prometheus-rule.js";
import { exists, RULES_FILE, readText, readYamlDocuments, repoPath } from "./support/repo.js";
import { hasKubectl, requireTools } from "./support/tools.js";

const DIR = "deploy/kubernetes";

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface DeploymentManifest extends Manifest {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { securityContext?: { runAsNonRoot?: boolean; runAsUser?: number }; containers: Container[] };
    };
  };
}

/** The resource models (JSON schemas of Kubernetes 1.27 and Prometheus Operator 0.65) by kind. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

const files = readdirSync(repoPath(DIR)).filter((file) => /\.ya?ml$/.test(file));
const manifests = files
  .filter((file) => file !== "kustomization.yaml")
  .flatMap((file) => readYamlDocuments(`${DIR}/${file}`).map((doc) => ({ file, doc: doc as Manifest })));
const kustomization = parse(readText(`${DIR}/kustomization.yaml`)) as {
  resources: string[];
  namespace: string;
};
const applied = manifests.filter(({ file }) => kustomization.resources.includes(file)).map(({ doc }) => doc);
const deployments = applied.filter((m): m is DeploymentManifest => m.kind === "Deployment");
const byKind = (kind: string) => applied.filter((m) => m.kind === kind);

/** Environment variables Aurea reads (the zod object of src/config/config.ts). */
function aureaVariables(): Set<string> {
  const source = readText("src/config/config.ts");
  const start = source.indexOf("const environment = z.object({");
  const object = source.slice(start, source.indexOf("\n});", start));
  return new Set([...object.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
}

describe("the Kubernetes manifests", () => {
  it("are listed in kustomization.yaml, all but the example Secret", () => {
    const expected = files.filter((file) => !["kustomization.yaml", "secret.example.yaml"].includes(file));
    expect([...kustomization.resources].sort()).toEqual(expected.sort());
    expect(kustomization.namespace).toBe("aurea");
  });

  it.each(manifests.map(({ file, doc }) => [`${file}: ${doc.kind}/${doc.metadata?.name}`, doc] as const))(
    "%s has apiVersion, kind and a name, and passes its resource's JSON schema",
    (_label, doc) => {
      expect(doc.apiVersion).toBeTruthy();
      expect(doc.kind).toBeTruthy();
      expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `no schema for ${doc.apiVersion}/${doc.kind}: add its model`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    },
  );

  it("the schema check can fail: a Deployment with replicas as text is refused", () => {
    const [deployment] = deployments;
    const broken = { ...deployment, spec: { ...deployment!.spec, replicas: "2" } };
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it("put the namespaced resources in the aurea namespace", () => {
    for (const doc of applied)
      if (doc.kind !== "Namespace") expect(doc.metadata.namespace, doc.kind).toBe("aurea");
  });

  it("deploy the API and the workers", () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(["aurea-api", "aurea-worker"]);
  });

  describe.each(deployments.map((d) => [d.metadata.name, d] as const))(
    "Deployment %s",
    (name, deployment) => {
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const ports = new Set(container!.ports?.flatMap((p) => [p.name, p.containerPort]));

      it("selects its own pods", () => {
        expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      });

      it("probes liveness on /health and readiness on /ready (a worker serves /health only)", () => {
        expect(container!.livenessProbe?.httpGet?.path).toBe("/health");
        expect(container!.readinessProbe?.httpGet?.path).toBe(name === "aurea-api" ? "/ready" : "/health");
        for (const probe of [container!.livenessProbe, container!.readinessProbe])
          expect(ports).toContain(probe?.httpGet?.port);
      });

      it("requests CPU and memory and limits memory", () => {
        expect(container!.resources?.requests).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(container!.resources?.limits?.memory).toBeTruthy();
      });

      it("runs as non-root on a read-only root filesystem, without privilege escalation", () => {
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        expect(pod.securityContext?.runAsUser).not.toBe(0);
        expect(container!.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
      });

      it("reads DATABASE_URL, REDIS_URL and AUREA_SECRET_KEY from the Secret, whose example has those keys", () => {
        const secret = manifests.find(({ doc }) => doc.kind === "Secret")!.doc as Manifest & {
          stringData: Record<string, string>;
        };
        const refs = (container!.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
        expect(refs.map((e) => e.name).sort()).toEqual(["AUREA_SECRET_KEY", "DATABASE_URL", "REDIS_URL"]);
        for (const { valueFrom } of refs) {
          expect(valueFrom!.secretKeyRef!.name).toBe(secret.metadata.name);
          expect(Object.keys(secret.stringData)).toContain(valueFrom!.secretKeyRef!.key);
        }
      });

      it("sets only variables Aurea reads, from a ConfigMap that exists", () => {
        const known = aureaVariables();
        for (const { name: variable } of container!.env ?? []) expect(known, variable).toContain(variable);
        for (const { configMapRef } of container!.envFrom ?? []) {
          const configMap = byKind("ConfigMap").find((m) => m.metadata.name === configMapRef?.name) as
            | (Manifest & { data: Record<string, string> })
            | undefined;
          expect(configMap, configMapRef?.name).toBeDefined();
          for (const key of Object.keys(configMap!.data)) expect(known, key).toContain(key);
        }
      });
    },
  );

  it("give the workers' metrics port to `aurea worker --metrics-port`", () => {
    const worker = deployments.find((d) => d.metadata.name === "aurea-worker")!;
    const [container] = worker.spec.template.spec.containers;
    const port = container!.ports?.find((p) => p.name === "metrics")?.containerPort;
    expect(container!.args).toEqual(["worker", "--metrics-port", String(port)]);
  });

  it("have Services that select the Deployments' pods on ports the containers name", () => {
    for (const service of byKind("Service") as Array<
      Manifest & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }
    >) {
      const target = deployments.find((d) =>
        Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(target, service.metadata.name).toBeDefined();
      const names = target!.spec.template.spec.containers.flatMap((c) => c.ports?.map((p) => p.name));
      for (const port of service.spec.ports) expect(names).toContain(port.targetPort);
    }
  });

  it("have a ServiceMonitor scraping /metrics of both Services", () => {
    const [monitor] = byKind("ServiceMonitor") as Array<
      Manifest & {
        spec: {
          selector: { matchLabels: Record<string, string> };
          endpoints: Array<{ port: string; path: string }>;
        };
      }
    >;
    const services = (
      byKind("Service") as Array<Manifest & { spec: { ports: Array<{ name: string }> } }>
    ).filter((s) =>
      Object.entries(monitor!.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    expect(services.map((s) => s.metadata.name).sort()).toEqual(["aurea-api", "aurea-worker"]);
    for (const service of services) {
      const endpoint = monitor!.spec.endpoints.find((e) => service.spec.ports.some((p) => p.name === e.port));
      expect(endpoint?.path, service.metadata.name).toBe("/metrics");
    }
  });
});

describe("the PrometheusRule", () => {
  it.skipIf(!exists(RULES_FILE))(
    `is ${PROMETHEUS_RULE_FILE}, generated from ${RULES_FILE} and up to date (else: npm run prometheus-rule)`,
    () => {
      expect(readText(PROMETHEUS_RULE_FILE)).toBe(prometheusRuleYaml(readText(RULES_FILE)));
      expect(kustomization.resources).toContain("prometheus-rule.yaml");
    },
  );

  if (!exists(RULES_FILE)) it.skip(`${RULES_FILE} does not exist yet: no PrometheusRule to check`, () => {});

  it("is generated with the rules' groups under spec, and refuses a file without groups", () => {
    const rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n";
    const resource = parse(prometheusRuleYaml(rules)) as Manifest & { spec: { groups: unknown } };
    expect(resource).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" });
    expect(resource.spec.groups).toEqual([{ name: "g", rules: [{ alert: "A", expr: "up == 0" }] }]);
    expect(() => new PrometheusRule(resource as never).validate()).not.toThrow();
    expect(() => prometheusRuleYaml("groups: []\n")).toThrow(/no rule groups/);
  });
});

describe("kubectl kustomize deploy/kubernetes", () => {
  it.runIf(!hasKubectl && requireTools)("is installed when AUREA_REQUIRE_TOOLS=1", () => {
    expect.fail(
      "kubectl is not on PATH (Debian package kubernetes-client); AUREA_REQUIRE_TOOLS=1 requires it",
    );
  });

  // `kubectl apply --dry-run=client` asks an API server for its schemas even so: with no cluster
  // here, rendering the kustomization is what kubectl can check offline.
  it.skipIf(!hasKubectl)("renders every resource (kubectl missing: skipped)", () => {
    const result = spawnSync("kubectl", ["kustomize", repoPath(DIR)], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, KUBECONFIG: "/dev/null" },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const rendered = result.stdout.split(/^---$/m).map((doc) => parse(doc) as Manifest);
    expect(rendered.map((doc) => `${doc.kind}/${doc.metadata.name}`).sort()).toEqual(
      applied.map((doc) => `${doc.kind}/${doc.metadata.name}`).sort(),
    );
  });
});
