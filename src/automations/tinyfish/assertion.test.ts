import { describe, expect, it } from "vitest";
import { type Assertion, type AssertionChecker, assertionSchema, compileAssertion } from "./assertion.js";

function checker(assertion: Assertion): AssertionChecker {
  const compiled = compileAssertion(assertion);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.checker;
}

const products = {
  items: [
    { name: "Bulbasaur", price: 63 },
    { name: "Ivysaur", price: null },
  ],
  total: 0,
};

describe("required_fields assertion", () => {
  it.each([
    [["items"], { ok: true }],
    [["items.0.price", "items.1.name", "total"], { ok: true }],
    [["items.1.price"], { ok: false, failures: ["items.1.price is null"] }],
    [["items.2.price"], { ok: false, failures: ["items.2.price is missing"] }],
    [["items.x"], { ok: false, failures: ["items.x is missing"] }],
    [["items.01"], { ok: false, failures: ["items.01 is missing"] }],
    [["total.value"], { ok: false, failures: ["total.value is missing"] }],
    [["items.0.name.length"], { ok: false, failures: ["items.0.name.length is missing"] }],
    [["price", "items.1.price"], { ok: false, failures: ["price is missing", "items.1.price is null"] }],
  ])("checks %j against a product list as %j", (fields, expected) => {
    expect(checker({ required_fields: fields }).check(products)).toEqual(expected);
  });

  it("treats a null or non-object result as missing every field", () => {
    const check = checker({ required_fields: ["a", "b.c"] });
    expect(check.check(null)).toEqual({ ok: false, failures: ["a is missing", "b.c is missing"] });
    expect(check.check("text")).toEqual({ ok: false, failures: ["a is missing", "b.c is missing"] });
  });

  it("does not find inherited properties", () => {
    expect(checker({ required_fields: ["constructor"] }).check({})).toEqual({
      ok: false,
      failures: ["constructor is missing"],
    });
  });

  it("reports a path with an empty segment as a problem of that field", () => {
    expect(compileAssertion({ required_fields: ["ok", "a..b", ".c"] }, "assertion")).toEqual({
      ok: false,
      problems: [
        { field: "assertion.required_fields.1", rule: "invalid_path", message: expect.any(String) },
        { field: "assertion.required_fields.2", rule: "invalid_path", message: expect.any(String) },
      ],
    });
  });

  it("caps the number of failure messages and says how many were left out", () => {
    const fields = Array.from({ length: 25 }, (_, i) => `f${i}`);
    const result = checker({ required_fields: fields }).check({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures).toHaveLength(10);
    expect(result.failures[0]).toBe("f0 is missing");
    expect(result.failures[9]).toBe("…and 16 more");
  });
});

describe("json_schema assertion", () => {
  const schema = {
    type: "object",
    required: ["items"],
    properties: {
      items: {
        type: "array",
        minItems: 1,
        items: { type: "object", required: ["price"], properties: { price: { type: "number" } } },
      },
    },
  };

  it("passes a result that matches the schema", () => {
    expect(checker({ json_schema: schema }).check({ items: [{ price: 1 }] })).toEqual({ ok: true });
  });

  it("lists every mismatch with dot paths", () => {
    expect(checker({ json_schema: schema }).check({ items: [{ price: "1" }, {}] })).toEqual({
      ok: false,
      failures: ["items.0.price must be number", "items.1 must have required property 'price'"],
    });
    expect(checker({ json_schema: schema }).check(null)).toEqual({
      ok: false,
      failures: ["(root) must be object"],
    });
  });

  it("supports draft 2020-12 when the schema declares it", () => {
    const check = checker({
      json_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "array",
        prefixItems: [{ type: "string" }],
      },
    });
    expect(check.check(["a", 1])).toEqual({ ok: true });
    expect(check.check([1])).toEqual({ ok: false, failures: ["0 must be string"] });
  });

  it("lets two assertions use the same $id", () => {
    const a = checker({ json_schema: { $id: "https://example.com/s", type: "string" } });
    const b = checker({ json_schema: { $id: "https://example.com/s", type: "number" } });
    expect([a.check("x").ok, b.check(1).ok]).toEqual([true, true]);
  });

  it.each([
    ["an unknown type", { type: "strng" }],
    ["an unknown keyword", { type: "object", requird: ["a"] }],
    ["an unresolvable $ref", { $ref: "https://example.com/elsewhere.json" }],
    ["an unsupported format", { type: "string", format: "email" }],
  ])("reports %s as a problem of json_schema when compiled", (_name, json_schema) => {
    const compiled = compileAssertion({ json_schema });
    expect(compiled).toEqual({
      ok: false,
      problems: [{ field: "json_schema", rule: "invalid_schema", message: expect.any(String) }],
    });
  });
});

describe("assertionSchema", () => {
  it.each([
    [{ required_fields: ["a"] }, true],
    [{ json_schema: { type: "object" } }, true],
    [{ required_fields: [] }, false],
    [{ required_fields: [""] }, false],
    [{ json_schema: "object" }, false],
    [{ required_fields: ["a"], json_schema: {} }, false],
    [{}, false],
  ])("accepts %j: %s", (input, valid) => {
    expect(assertionSchema.safeParse(input).success).toBe(valid);
  });
});
