// Writes the Grafana dashboards (scripts/dashboards/*.ts) as JSON into deploy/grafana/dashboards/.
// `npm run dashboards`; tests/deploy/dashboards.test.ts fails while the committed files differ.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARDS, DASHBOARDS_DIR, renderDashboard } from "./dashboards/index.js";

const root = join(import.meta.dirname, "..");
mkdirSync(join(root, DASHBOARDS_DIR), { recursive: true });
for (const { file, build } of DASHBOARDS) {
  writeFileSync(join(root, DASHBOARDS_DIR, file), renderDashboard(build()));
  console.log(`wrote ${DASHBOARDS_DIR}/${file}`);
}
