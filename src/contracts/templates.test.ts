import { describe, expect, it } from "vitest";
import { renderTemplate, templateInputs } from "./templates.js";

describe("automation templates", () => {
  it("fill {{input.name}} placeholders from the scenario's inputs", () => {
    expect(renderTemplate('{"q": "{{input.query}}", "n": {{ input.n }}}', { query: "shoes", n: 3 })).toBe(
      '{"q": "shoes", "n": 3}',
    );
  });

  it("list the inputs a template needs and the placeholders it may not contain", () => {
    expect(templateInputs("{{input.a}} {{input.b}} {{input.a}} {{process.env.KEY}} {{ 1 + 1 }}")).toEqual({
      names: ["a", "b"],
      invalid: ["{{process.env.KEY}}", "{{ 1 + 1 }}"],
    });
  });

  it.each([
    ["{{process.env.HOME}}"],
    ["{{input.constructor}}"],
    ["{{input.__proto__}}"],
    ["{{input.missing}}"],
    ["{{this}}"],
  ])("refuse to fill %s: templates read nothing outside their inputs", (template) => {
    expect(() => renderTemplate(template, { present: "x" })).toThrow(/cannot fill/);
  });

  it("leave text without placeholders unchanged", () => {
    expect(renderTemplate("plain { text }", {})).toBe("plain { text }");
  });
});
