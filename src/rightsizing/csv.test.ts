import { describe, expect, it } from "vitest";
import { CsvFormatError, parseUsageCsv } from "./csv.js";

describe("parseUsageCsv", () => {
  it("reads timestamp,value as one series on a 5-minute grid, naive times as UTC", () => {
    const csv = "timestamp,value\n2014-02-14 14:30:00,0.5\n2014-02-14 14:35:00,1.5\n2014-02-14 14:45:00,2\n";
    const { series, problems, rows } = parseUsageCsv(csv, "web");
    expect(problems).toEqual([]);
    expect(rows).toBe(3);
    expect(series).toHaveLength(1);
    const s = series[0];
    expect(s?.name).toBe("web");
    expect(s?.resource).toBe("cpu");
    expect(s?.startMs).toBe(Date.UTC(2014, 1, 14, 14, 30));
    expect(s?.stepMs).toBe(300_000);
    // The missing 14:40 sample is a NaN cell of the grid.
    expect(Array.from(s?.values ?? [])).toEqual([0.5, 1.5, Number.NaN, 2]);
  });

  it("reports bad rows by line number and keeps the good ones", () => {
    const csv = [
      "timestamp,value",
      "1700000000,1",
      "yesterday,2",
      "1700000300,abc",
      "1700000600,-3",
      "1700000900,4,5",
      "1700001200,",
      "1700001500,6",
    ].join("\n");
    const { series, problems } = parseUsageCsv(csv, "x");
    expect(problems).toEqual([
      { line: 3, reason: 'unreadable timestamp "yesterday"' },
      { line: 4, reason: '"abc" in column value is not a number' },
      { line: 5, reason: "negative usage -3 in column value" },
      { line: 6, reason: "expected 2 fields, found 3" },
    ]);
    expect(Array.from(series[0]?.values ?? [])).toEqual([
      1,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      6,
    ]);
  });

  it("reads one series per column in the multi-column form, :memory marking memory", () => {
    const csv = "timestamp,api,api:memory,worker\n1700000000000,0.2,1000,3\n1700000060000,0.4,2000,NaN\n";
    const { series } = parseUsageCsv(csv, "ignored");
    expect(series.map((s) => [s.name, s.resource, s.stepMs, Array.from(s.values)])).toEqual([
      ["api", "cpu", 60_000, [0.2, 0.4]],
      ["api", "memory", 60_000, [1000, 2000]],
      ["worker", "cpu", 60_000, [3, Number.NaN]],
    ]);
  });

  it.each([
    ["value\n1", 'line 1: expected a header "timestamp,value" or "timestamp,<series>,…", got "value"'],
    ["timestamp,a:disk\n1,2", 'line 1: column 2 "a:disk": the kind after ":" must be cpu or memory'],
  ])("refuses a header it cannot read (%j)", (csv, message) => {
    expect(() => parseUsageCsv(csv, "x")).toThrow(new CsvFormatError(message));
  });
});
