import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/telemetry/logger.js";
import { platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("logs", () => {
  it("are JSON lines with service, level, msg, the request id of a request and the run id of a run", async () => {
    const lines: string[] = [];
    const t = await platformApp({ logLines: lines });
    const automation = await t.request("POST", "/api/v1/automations", {
      name: "a",
      kind: "synthetic",
      config: { duration_ms: 1 },
    });
    const scenario = await t.request("POST", "/api/v1/scenarios", {
      name: "s",
      automation_id: automation.json().id,
      load: { model: "closed", jobs: 3 },
    });
    const triggered = await t.app.inject({
      method: "POST",
      url: "/api/v1/runs/trigger",
      headers: { "x-request-id": "req-123", authorization: "Bearer very-secret" },
      payload: { scenario_id: scenario.json().id },
    });
    const run = await t.waitForRun(triggered.json().id);
    const logs = parsed(lines);
    for (const line of logs) {
      expect(line).toMatchObject({ service: "aurea" });
      expect(typeof line.level).toBe("number");
      expect(typeof line.msg).toBe("string");
    }
    expect(logs.some((l) => l.reqId === "req-123")).toBe(true);
    const finished = logs.find((l) => l.msg === "run finished");
    expect(finished).toMatchObject({ run_id: run.id, attempt: 1 });
    expect(lines.join("\n")).not.toContain("very-secret");
  });

  it("redact credentials in headers, configurations and errors", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line) => void lines.push(line) } });
    logger.info(
      {
        req: { headers: { authorization: "Bearer leak-a1", cookie: "leak-c1", "x-api-key": "leak-k1" } },
        automation: { config: { headers: { Authorization: "Basic leak-a2", "X-API-Key": "leak-k2" } } },
        tinyfish: { api_key: "leak-k3", token: "leak-t1" },
        secret: { name: "prod", secret: "leak-s1" },
      },
      "configured",
    );
    const [line] = lines;
    expect(line).not.toContain("leak-");
    expect(line).toContain('"name":"prod"');
    expect(line).toContain("[redacted]");
  });
});
