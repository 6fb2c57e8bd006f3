import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "../server/start-server.js";
import { neededScope } from "./auth.js";

describe("neededScope", () => {
  it.each([
    ["GET", "/health", false, "public"],
    ["GET", "/ready", false, "public"],
    ["GET", "/", false, "public"],
    ["GET", "/assets/index-abc.js", false, "public"],
    ["GET", "/runs/12", false, "public"],
    ["OPTIONS", "/api/v1/runs", false, "public"],
    ["GET", "/metrics", false, "read"],
    ["GET", "/metrics", true, "public"],
    ["GET", "/api/metrics", false, "read"],
    ["GET", "/docs/json", false, "read"],
    ["GET", "/api/v1/runs", false, "read"],
    ["HEAD", "/api/v1/runs", false, "read"],
    ["POST", "/api/v1/runs/trigger", false, "write"],
    ["DELETE", "/api/v1/scenarios/3", false, "write"],
    ["POST", "/benchmark/run", false, "write"],
    ["GET", "/api/v1/keys", false, "admin"],
    ["GET", "/api/v1/secrets", false, "admin"],
    ["PUT", "/api/v1/secrets/tinyfish", false, "admin"],
  ] as const)("%s %s (metrics public: %s) needs %s", (method, path, metricsPublic, scope) => {
    expect(neededScope(method, path, metricsPublic)).toBe(scope);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["127.0.0.1.example.com", false],
  ])("%s: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
