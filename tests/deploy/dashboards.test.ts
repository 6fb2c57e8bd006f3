import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DASHBOARDS,
  DASHBOARDS_DIR,
  LOKI_UID,
  PROMETHEUS_UID,
  renderDashboard,
} from "../../scripts/dashboards/index.js";
import { readText, readYaml, repoPath } from "./support/repo.js";

const built = DASHBOARDS.map(({ file, build }) => ({ file, dashboard: build() }));

interface DatasourceRef {
  type?: string;
  uid?: string;
}

describe("the Grafana dashboards", () => {
  it.each(DASHBOARDS.map(({ file }) => file))(
    "%s is committed exactly as scripts/dashboards generates it (else: npm run dashboards)",
    (file) => {
      const { build } = DASHBOARDS.find((d) => d.file === file)!;
      expect(readText(`${DASHBOARDS_DIR}/${file}`)).toBe(renderDashboard(build()));
    },
  );

  it("are the only files in the provisioned folder", () => {
    expect(readdirSync(repoPath(DASHBOARDS_DIR)).sort()).toEqual(DASHBOARDS.map((d) => d.file).sort());
  });

  it("have distinct uids and titles", () => {
    const uids = built.map(({ dashboard }) => dashboard.uid);
    const titles = built.map(({ dashboard }) => dashboard.title);
    expect(new Set(uids).size).toBe(built.length);
    expect(new Set(titles).size).toBe(built.length);
  });

  describe.each(built)("$file", ({ dashboard }) => {
    const variables = dashboard.templating?.list ?? [];
    const panels = dashboard.panels ?? [];

    it("has a uid Grafana accepts, a title, panels and an annotation list", () => {
      expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      expect(dashboard.annotations?.list?.[0]).toMatchObject({ builtIn: 1, type: "dashboard" });
      expect(dashboard.title).toMatch(/^Aurea \/ /);
      expect(panels.filter((panel) => panel.type !== "row").length).toBeGreaterThan(1);
    });

    it("queries Prometheus through a datasource variable defaulting to the provisioned one", () => {
      const variable = variables.find((v) => v.type === "datasource" && v.name === "datasource");
      expect(variable?.query).toBe("prometheus");
      expect(variable?.current?.value).toBe(PROMETHEUS_UID);
    });

    it("points every panel and target at a datasource variable it declares", () => {
      const declared = new Set(variables.filter((v) => v.type === "datasource").map((v) => `\${${v.name}}`));
      for (const panel of panels) {
        if (panel.type === "row" || panel.type === "text") continue;
        const targets = ("targets" in panel ? (panel.targets ?? []) : []) as Array<{
          datasource?: DatasourceRef;
        }>;
        const refs: Array<DatasourceRef | undefined> = [
          panel.datasource,
          ...targets.map((t) => t.datasource),
        ];
        for (const ref of refs) expect(declared, `${panel.title}: ${ref?.uid}`).toContain(ref?.uid);
      }
    });

    it("gives every panel an id of its own and a place on the 24-column grid", () => {
      const ids = panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(panels.length);
      for (const panel of panels) {
        const { x, w } = panel.gridPos!;
        expect(x + w, panel.title).toBeLessThanOrEqual(24);
      }
    });

    it("describes every panel but rows and text", () => {
      for (const panel of panels)
        if (panel.type !== "row" && panel.type !== "text")
          expect("description" in panel && panel.description, panel.title).toBeTruthy();
    });
  });
});

describe("Grafana provisioning", () => {
  interface Datasources {
    apiVersion: number;
    datasources: Array<{ name: string; type: string; uid: string; url: string; isDefault?: boolean }>;
  }
  const file = readYaml("deploy/grafana/provisioning/datasources/datasources.yml") as Datasources;

  it("provisions Prometheus and Loki with the uids the dashboards default to", () => {
    expect(file.apiVersion).toBe(1);
    const byUid = new Map(file.datasources.map((d) => [d.uid, d]));
    expect(byUid.get(PROMETHEUS_UID)).toMatchObject({ type: "prometheus", url: "http://prometheus:9090" });
    expect(byUid.get(LOKI_UID)).toMatchObject({ type: "loki", url: "http://loki:3100" });
    expect(file.datasources.filter((d) => d.isDefault)).toHaveLength(1);
  });

  it("loads the dashboards from the folder they are generated into", () => {
    const providers = readYaml("deploy/grafana/provisioning/dashboards/dashboards.yml") as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    const compose = readText("deploy/compose/docker-compose.yml");
    const [provider] = providers.providers;
    expect(provider?.type).toBe("file");
    // The compose file mounts the generated folder where the provider reads.
    expect(compose).toContain(`../grafana/dashboards:${provider?.options.path}:ro`);
  });
});
