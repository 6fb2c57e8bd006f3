import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resourcesPatch } from "./kubernetes-patch.js";
import { toYaml } from "./yaml-emit.js";

describe("toYaml", () => {
  it("writes block YAML that a YAML parser reads back as the same object", () => {
    const patch = resourcesPatch({ kind: "Deployment", name: "api", namespace: "shop" }, [
      { container: "api", cpu: { request: 0.25, limit: null }, memory: { request: 2 ** 29, limit: 2 ** 30 } },
      { container: "side: car", cpu: { request: 0.05, limit: 0.1 } },
    ]);
    const text = toYaml(patch);
    expect(parse(text)).toEqual(patch);
    expect(text).toContain('kind: "Deployment"\n');
    expect(text).toContain('      containers:\n        - name: "api"\n          resources:\n');
  });

  it("writes empty collections inline", () => {
    expect(parse(toYaml({ a: {}, b: [], c: 1 }))).toEqual({ a: {}, b: [], c: 1 });
  });
});
