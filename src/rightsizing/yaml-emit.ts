/**
 * Block-style YAML for the patch documents: plain objects, arrays and scalars only. Strings are
 * JSON-quoted (valid YAML double-quoted scalars), so no value can change meaning. Written here
 * rather than depending on a YAML library at run time for ten lines.
 */
export function toYaml(value: unknown, indent = 0): string {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    return value
      .map((item) => {
        const body = toYaml(item, indent + 2);
        return isComposite(item) ? `${pad}- ${body.slice(indent + 2)}` : `${pad}- ${body}`;
      })
      .join("");
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}\n";
    return entries
      .map(([k, v]) =>
        isComposite(v) && !isEmpty(v)
          ? `${pad}${k}:\n${toYaml(v, indent + 2)}`
          : `${pad}${k}: ${toYaml(v, 0)}`,
      )
      .join("");
  }
  return `${typeof value === "string" ? JSON.stringify(value) : String(value)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isComposite = (v: unknown) => Array.isArray(v) || isObject(v);
const isEmpty = (v: unknown) =>
  Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0;
