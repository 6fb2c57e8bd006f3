import { toGrid, type UsageSeries } from "./series.js";

/** A row the parser skipped, by 1-based line number, and why. */
export interface CsvProblem {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedCsv {
  readonly series: UsageSeries[];
  readonly problems: CsvProblem[];
  /** Data rows read (good or not), for "N of M rows were bad" messages. */
  readonly rows: number;
}

export class CsvFormatError extends Error {
  override readonly name = "CsvFormatError";
}

const MISSING = new Set(["", "nan", "null", "na"]);

/**
 * Reads usage from CSV: `timestamp,value` (one series, named `name`), or `timestamp,<col>,…`
 * with one series per column. A column header `<name>:memory` marks memory (bytes); others are
 * CPU, in whatever unit the file uses. Timestamps are ISO-8601 (a time without a zone is UTC,
 * as NAB's are), or Unix seconds or milliseconds. Empty and `NaN` cells are missing points, not
 * problems; unreadable rows are skipped and reported with their line number.
 */
export function parseUsageCsv(text: string, name: string): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  if (header.length < 2 || !/^(timestamp|time|ts|date|ds)$/i.test(header[0] ?? ""))
    throw new CsvFormatError(
      `line 1: expected a header "timestamp,value" or "timestamp,<series>,…", got "${lines[0] ?? ""}"`,
    );
  const columns = header.slice(1).map((h, i) => columnOf(h, i, header.length === 2 ? name : undefined));
  const times: number[] = [];
  const values: number[][] = columns.map(() => []);
  const problems: CsvProblem[] = [];
  let rows = 0;
  for (let l = 1; l < lines.length; l++) {
    const raw = lines[l] as string;
    if (raw.trim() === "") continue;
    rows++;
    const cells = raw.split(",");
    if (cells.length !== header.length) {
      problems.push({ line: l + 1, reason: `expected ${header.length} fields, found ${cells.length}` });
      continue;
    }
    const t = parseTimestamp((cells[0] as string).trim());
    if (t === undefined) {
      problems.push({ line: l + 1, reason: `unreadable timestamp "${(cells[0] as string).trim()}"` });
      continue;
    }
    const row: number[] = [];
    let bad: string | undefined;
    for (let c = 1; c < cells.length; c++) {
      const cell = (cells[c] as string).trim();
      if (MISSING.has(cell.toLowerCase())) {
        row.push(Number.NaN);
        continue;
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) bad = `"${cell}" in column ${header[c]} is not a number`;
      else if (v < 0) bad = `negative usage ${cell} in column ${header[c]}`;
      row.push(v);
      if (bad) break;
    }
    if (bad) {
      problems.push({ line: l + 1, reason: bad });
      continue;
    }
    times.push(t);
    row.forEach((v, c) => {
      (values[c] as number[]).push(v);
    });
  }
  const series = columns.map((column, c) => {
    const grid = toGrid(times, values[c] as number[]);
    return { name: column.name, resource: column.resource, ...grid };
  });
  return { series, problems, rows };
}

function columnOf(header: string, index: number, single: string | undefined) {
  const [base, kind] = header.split(":") as [string, string | undefined];
  const resource = kind?.toLowerCase() === "memory" ? ("memory" as const) : ("cpu" as const);
  if (kind !== undefined && !/^(cpu|memory)$/i.test(kind))
    throw new CsvFormatError(
      `line 1: column ${index + 2} "${header}": the kind after ":" must be cpu or memory`,
    );
  return { name: single ?? (base || `column${index + 2}`), resource };
}

const NAIVE_DATE_TIME = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

function parseTimestamp(cell: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(cell)) {
    const n = Number(cell);
    // Seconds until the year 5138; beyond that the number is milliseconds.
    return n < 1e11 ? n * 1000 : n;
  }
  const iso = NAIVE_DATE_TIME.test(cell) ? `${cell.replace(" ", "T")}Z` : cell;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
