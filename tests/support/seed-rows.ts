import { type AutomationRow, AutomationsRepo } from "../../src/store/automations-repo.js";
import type { Database } from "../../src/store/database.js";
import { type RunRow, RunsRepo } from "../../src/store/runs-repo.js";
import { type ScenarioRow, ScenariosRepo } from "../../src/store/scenarios-repo.js";

export interface Seeder {
  automations: AutomationsRepo;
  scenarios: ScenariosRepo;
  runs: RunsRepo;
  /** A synthetic automation whose jobs sleep `durationMs`. */
  automation(name: string, durationMs?: number): Promise<AutomationRow>;
  scenario(
    automation: AutomationRow,
    name: string,
    options?: { load?: Record<string, unknown>; onInterrupt?: "fail" | "rerun"; tags?: string[] },
  ): Promise<ScenarioRow>;
  /** A pending run of `scenario` with the spec snapshot a trigger would store. */
  run(scenario: ScenarioRow | null, automation: AutomationRow): Promise<RunRow>;
}

/** Writes rows straight through the repositories, as a previous process would have left them. */
export function seeder(db: Database): Seeder {
  const automations = new AutomationsRepo(db);
  const scenarios = new ScenariosRepo(db);
  const runs = new RunsRepo(db);
  return {
    automations,
    scenarios,
    runs,
    automation: (name, durationMs = 5) =>
      automations.create({ name, kind: "synthetic", config: { duration_ms: durationMs } }),
    scenario: (automation, name, { load, onInterrupt = "fail", tags = [] } = {}) =>
      scenarios.create({
        name,
        automationId: automation.id,
        load: load ?? { model: "closed", jobs: 5, concurrency: 5 },
        onInterrupt,
        tags,
      }),
    run: (scenario, automation) =>
      runs.create({
        scenarioId: scenario?.id ?? null,
        automationId: automation.id,
        scenarioName: scenario?.name ?? "deleted scenario",
        automationName: automation.name,
        source: "trigger",
        spec: {
          automation: {
            id: automation.id,
            name: automation.name,
            kind: automation.kind,
            config: automation.config,
          },
          inputs: scenario?.inputs ?? {},
          load: scenario?.load ?? { model: "closed", jobs: 5, concurrency: 5 },
          thresholds: scenario?.thresholds ?? [],
          cost: scenario?.cost ?? {},
          assertion: null,
        },
        environment: { seeded: true },
      }),
  };
}
