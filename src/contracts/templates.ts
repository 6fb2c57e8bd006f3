/**
 * Automation templates: `{{input.name}}` placeholders, replaced by the scenario's inputs and
 * nothing else — no expressions, no access to the environment or other objects.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const INPUT_REF = /^input\.([A-Za-z_][A-Za-z0-9_-]{0,99})$/;

export type TemplateInputs = Readonly<Record<string, string | number | boolean>>;

/** The inputs a template refers to, or the placeholders it may not contain. */
export function templateInputs(template: string): { names: string[]; invalid: string[] } {
  const names = new Set<string>();
  const invalid: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const ref = INPUT_REF.exec(match[1] ?? "");
    if (ref) names.add(ref[1]!);
    else invalid.push(match[0]);
  }
  return { names: [...names], invalid };
}

/** Replaces every `{{input.name}}`; throws on a placeholder whose input is missing. */
export function renderTemplate(template: string, inputs: TemplateInputs): string {
  return template.replace(PLACEHOLDER, (whole, inner: string) => {
    const ref = INPUT_REF.exec(inner);
    // Own properties only: `{{input.constructor}}` must not reach Object.prototype.
    if (!ref || !Object.hasOwn(inputs, ref[1]!)) throw new TypeError(`cannot fill ${whole}`);
    return String(inputs[ref[1]!]);
  });
}
