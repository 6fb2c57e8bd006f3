import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exists, ROOT, readText, readYaml, repoPath } from "./support/repo.js";
import { findCompose, requireTools } from "./support/tools.js";

const COMPOSE_DIR = "deploy/compose";
const COMPOSE_FILE = `${COMPOSE_DIR}/docker-compose.yml`;

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, unknown> | string[];
}
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = readText(COMPOSE_FILE);
const compose = parse(text, { merge: true, strict: true, uniqueKeys: true }) as ComposeFile;
const services = Object.entries(compose.services);

/** Services whose image cannot run a health check, and what checks them instead. */
const NO_HEALTHCHECK: Record<string, string> = {
  loki: "distroless image (no shell, no HTTP client): alloy's healthcheck asks loki:3100/ready",
};

/** `${NAME}`, `${NAME:-default}`, `${NAME:?error}` references of the compose file. */
function variables(source: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of source.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)([:?-][^}]*)?\}/g))
    found.set(match[1]!, match[2] ?? "");
  return found;
}

function envExample(): Map<string, string> {
  const entries = readText(`${COMPOSE_DIR}/.env.example`)
    .split("\n")
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => line.split("=", 2) as [string, string]);
  return new Map(entries);
}

/** Environment variables Aurea reads (the zod object of src/config/config.ts). */
function aureaVariables(): Set<string> {
  const source = readText("src/config/config.ts");
  const start = source.indexOf("const environment = z.object({");
  const object = source.slice(start, source.indexOf("\n});", start));
  return new Set([...object.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
}

describe("deploy/compose/docker-compose.yml", () => {
  it("names its project aurea (Alloy's log discovery filters on it)", () => {
    expect(compose.name).toBe("aurea");
    expect(readText("deploy/alloy/config.alloy")).toContain('"com.docker.compose.project=aurea"');
  });

  it("runs the whole stack", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        "aurea-api",
        "aurea-worker",
        "postgres",
        "redis",
        "prometheus",
        "alertmanager",
        "grafana",
        "loki",
        "alloy",
        "cadvisor",
      ].sort(),
    );
  });

  it.each(services)("%s has a pinned image (a version tag, never latest)", (_name, service) => {
    expect(service.image).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._${}:-]+$/);
    const tag = service.image!.slice(service.image!.lastIndexOf(":") + 1);
    expect(tag).not.toMatch(/latest|^\d+$/);
    expect(tag).toMatch(/\d+\.\d+/);
  });

  it.each(services)("%s has a health check (or says why it cannot)", (name, service) => {
    if (NO_HEALTHCHECK[name]) {
      expect(service.healthcheck?.disable).toBe(true);
      return;
    }
    expect(service.healthcheck?.test?.[0]).toMatch(/^CMD(-SHELL)?$/);
    expect(service.healthcheck?.test?.length).toBeGreaterThan(1);
  });

  it("checks loki's readiness from alloy's health check", () => {
    expect(compose.services.alloy?.healthcheck?.test?.join(" ")).toMatch(/ready loki 3100 \/ready/);
  });

  it.each(services)("%s publishes ports on 127.0.0.1 only", (_name, service) => {
    for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it("publishes Grafana on 3000 and Aurea on 5000, as the README says", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable syntax
    expect(compose.services.grafana?.ports).toEqual(["127.0.0.1:${GRAFANA_PORT:-3000}:3000"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable syntax
    expect(compose.services["aurea-api"]?.ports).toEqual(["127.0.0.1:${AUREA_PORT:-5000}:5000"]);
    expect(readText("README.md")).toMatch(/only Grafana \(3000\) and Aurea \(5000\)/i);
  });

  it("declares every named volume it uses, and uses every one it declares", () => {
    const used = new Set<string>();
    for (const [, service] of services)
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (!/^[./~]/.test(source)) used.add(source);
      }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
  });

  it("keeps the data of every stateful service in a named volume", () => {
    const dataPaths: Record<string, string> = {
      postgres: "/var/lib/postgresql/data",
      redis: "/data",
      prometheus: "/prometheus",
      alertmanager: "/alertmanager",
      grafana: "/var/lib/grafana",
      loki: "/loki",
    };
    for (const [name, path] of Object.entries(dataPaths))
      expect(compose.services[name]?.volumes, name).toContain(`${name}-data:${path}`);
  });

  it("mounts only configuration files that exist in the repository", () => {
    const mounted: string[] = [];
    for (const [, service] of services)
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith(".")) mounted.push(relative(ROOT, resolve(repoPath(COMPOSE_DIR), source)));
      }
    expect(mounted.length).toBeGreaterThanOrEqual(7);
    expect(mounted.filter((path) => !exists(path))).toEqual([]);
  });

  it("documents every variable it reads in .env.example, and nothing else", () => {
    const used = variables(text);
    const documented = envExample();
    expect([...used.keys()].sort()).toEqual([...documented.keys()].sort());
  });

  it("requires the secrets: no default Grafana password, no default database password or key", () => {
    const used = variables(text);
    for (const name of ["GF_SECURITY_ADMIN_PASSWORD", "POSTGRES_PASSWORD", "AUREA_SECRET_KEY"]) {
      expect(used.get(name), name).toMatch(/^:\?/);
      expect(envExample().get(name), name).toBe("");
    }
    expect(text).not.toMatch(/admin\/admin|PASSWORD:\s*admin\b/);
  });

  it("sets only environment variables Aurea reads on its containers", () => {
    const known = aureaVariables();
    expect(known.size).toBeGreaterThan(15);
    for (const name of ["aurea-api", "aurea-worker"])
      for (const variable of Object.keys(compose.services[name]?.environment ?? {}))
        expect(known, `${name}: ${variable}`).toContain(variable);
  });

  it("runs the API on 0.0.0.0:5000 and the worker's metrics on 9464, where Prometheus scrapes them", () => {
    const api = compose.services["aurea-api"]!;
    const worker = compose.services["aurea-worker"]!;
    expect(api.environment).toMatchObject({ HOST: "0.0.0.0", PORT: "5000" });
    expect(worker.environment).toMatchObject({ HOST: "0.0.0.0" });
    expect(worker.command).toEqual(["worker", "--metrics-port", "9464"]);
    expect(worker.healthcheck?.test?.join(" ")).toContain("127.0.0.1:9464/health");
  });

  it("keeps metrics and logs 7 days", () => {
    expect(compose.services.prometheus?.command).toContain("--storage.tsdb.retention.time=7d");
    const loki = parse(readText("deploy/loki/loki.yml")) as {
      limits_config: { retention_period: string };
      compactor: { retention_enabled: boolean; delete_request_store: string };
    };
    expect(loki.limits_config.retention_period).toBe("168h");
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe("filesystem");
  });

  it.skipIf(!exists("deploy/prometheus/prometheus.yml"))(
    "is where deploy/prometheus/prometheus.yml scrapes and alerts: every target is a service's port",
    () => {
      interface StaticConfigs {
        static_configs?: Array<{ targets: string[] }>;
        dns_sd_configs?: Array<{ names: string[]; port: number }>;
      }
      const prometheus = readYaml("deploy/prometheus/prometheus.yml") as {
        scrape_configs: StaticConfigs[];
        alerting?: { alertmanagers: StaticConfigs[] };
      };
      const configs = [...prometheus.scrape_configs, ...(prometheus.alerting?.alertmanagers ?? [])];
      const targets = [
        ...configs.flatMap((config) => config.static_configs ?? []).flatMap(({ targets }) => targets),
        // DNS discovery: a service name (every replica of it) and a port.
        ...configs
          .flatMap((config) => config.dns_sd_configs ?? [])
          .flatMap(({ names, port }) => names.map((name) => `${name}:${port}`)),
      ].filter((target) => !target.startsWith("localhost:"));
      expect(targets).toEqual(
        expect.arrayContaining(["aurea-api:5000", "aurea-worker:9464", "alertmanager:9093"]),
      );
      for (const target of targets)
        expect(Object.keys(compose.services), target).toContain(target.split(":")[0]);
    },
  );
});

describe("docker compose config", () => {
  const tool = findCompose();
  const env = {
    ...process.env,
    GF_SECURITY_ADMIN_PASSWORD: "test-password",
    POSTGRES_PASSWORD: "test-password",
    AUREA_SECRET_KEY: Buffer.alloc(32).toString("base64"),
  };

  /** Runs `compose config` on the file; docker-compose 1.29 knows no top-level `name:`, so it gets `-p`. */
  function config(environment: NodeJS.ProcessEnv) {
    const dir = mkdtempSync(join(tmpdir(), "aurea-compose-"));
    try {
      let file = repoPath(COMPOSE_FILE);
      const args = [...tool!.args, "--project-directory", repoPath(COMPOSE_DIR)];
      if (tool!.v1) {
        file = join(dir, "docker-compose.yml");
        writeFileSync(file, readFileSync(repoPath(COMPOSE_FILE), "utf8").replace(/^name: aurea\n/m, ""));
        args.push("-p", "aurea");
      }
      return spawnSync(tool!.command, [...args, "-f", file, "config"], {
        cwd: repoPath(COMPOSE_DIR),
        env: environment,
        encoding: "utf8",
        timeout: 30_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.runIf(!tool && requireTools)("is installed when AUREA_REQUIRE_TOOLS=1", () => {
    expect.fail("neither `docker compose` nor docker-compose is on PATH; .ci/run installs docker-compose");
  });

  it.skipIf(!tool)("accepts the file (no Docker engine needed; neither tool found: skipped)", () => {
    const result = config(env);
    expect(result.stderr).not.toMatch(/invalid|error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("aurea-worker");
  });

  it.skipIf(!tool)("refuses to start without a Grafana admin password", () => {
    const { GF_SECURITY_ADMIN_PASSWORD: _, ...without } = env;
    const result = config(without);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("GF_SECURITY_ADMIN_PASSWORD");
  });
});
