import type { z } from "zod";

/** One problem with one field of an input, phrased for the person who wrote it. */
export interface FieldError {
  /** Dotted path of the field (`load.rate`, `job.kind`); `(root)` for the whole document. */
  field: string;
  /** Machine-readable rule that was broken (zod's issue code). */
  rule: string;
  message: string;
}

export function fieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ""): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          field: path ? `${path}.${key}` : key,
          rule: "unknown_field",
          message: "is not a known field",
        });
      }
      continue;
    }
    out.push({ field: path || "(root)", rule: issue.code, message: issue.message });
  }
  return out;
}

/** `field: message; field: message` for one-line reports (CLI). */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}
