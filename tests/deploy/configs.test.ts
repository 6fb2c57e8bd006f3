import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exists, ROOT, readText, readYaml, repoPath } from "./support/repo.js";

function yamlFiles(dir: string): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

describe("the deploy tree's YAML", () => {
  const files = yamlFiles("deploy");

  it("covers compose, Grafana, Loki and Kubernetes", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files.map((file) => relative(ROOT, repoPath(file))))("%s parses, with no duplicate key", (file) => {
    const documents = parseAllDocuments(readText(file), { strict: true, uniqueKeys: true, merge: true });
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(document.errors.map((e) => e.message)).toEqual([]);
  });
});

describe("deploy/alloy/config.alloy", () => {
  const config = readText("deploy/alloy/config.alloy");
  const code = config.replace(/^\s*\/\/.*$/gm, "");

  /** Loki labels the pipeline sets: relabel targets and stage.labels keys. */
  function lokiLabels(): string[] {
    const targets = [...code.matchAll(/target_label\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
    const staged = [...code.matchAll(/stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}/g)].flatMap((m) =>
      [...m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((k) => k[1]!),
    );
    return [...targets, ...staged];
  }

  it("balances its braces and brackets", () => {
    const stripped = code.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
    for (const [open, close] of [
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ] as const)
      expect(stripped.split(open).length, open).toBe(stripped.split(close).length);
  });

  it("labels streams only by service, container and level: never a run or request id", () => {
    expect(new Set(lokiLabels())).toEqual(new Set(["service", "container", "level"]));
    expect(lokiLabels().join(" ")).not.toMatch(/run_id|req_id|reqId|request_id|msg/);
  });

  it("reads pino's numeric level and time, and pushes to Loki", () => {
    expect(code).toMatch(/stage\.json\s*\{\s*expressions\s*=\s*\{\s*level = "", time = "" \}/);
    for (const [number, name] of [
      ["30", "info"],
      ["40", "warn"],
      ["50", "error"],
    ])
      expect(code).toContain(`eq .Value "${number}" }}${name}`);
    expect(code).toMatch(/format\s*=\s*"UnixMs"/);
    expect(code).toContain('url = "http://loki:3100/loki/api/v1/push"');
  });

  it("reads the Docker socket the compose file mounts into the alloy container", () => {
    expect(code).toContain('host             = "unix:///var/run/docker.sock"');
    expect(readText("deploy/compose/docker-compose.yml")).toContain(
      "/var/run/docker.sock:/var/run/docker.sock:ro",
    );
  });
});

describe("the Grafana datasources and Prometheus", () => {
  it.skipIf(!exists("deploy/prometheus/prometheus.yml"))(
    "agree on the scrape interval ($__rate_interval is computed from it)",
    () => {
      const prometheus = readYaml("deploy/prometheus/prometheus.yml") as {
        global: { scrape_interval: string };
      };
      const grafana = readYaml("deploy/grafana/provisioning/datasources/datasources.yml") as {
        datasources: Array<{ type: string; jsonData?: { timeInterval?: string } }>;
      };
      const datasource = grafana.datasources.find((d) => d.type === "prometheus");
      expect(datasource?.jsonData?.timeInterval).toBe(prometheus.global.scrape_interval);
    },
  );
});
