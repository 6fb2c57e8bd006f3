import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

/** The repository's root. */
export const ROOT = join(import.meta.dirname, "../../..");

export function repoPath(path: string): string {
  return join(ROOT, path);
}

export function exists(path: string): boolean {
  return existsSync(repoPath(path));
}

export function readText(path: string): string {
  return readFileSync(repoPath(path), "utf8");
}

/** A YAML file's one document; throws on a syntax error or a second document. */
export function readYaml(path: string): unknown {
  return parse(readText(path), { strict: true, uniqueKeys: true });
}

/** Every document of a YAML file; throws on the first that does not parse. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readText(path), { strict: true, uniqueKeys: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    return document.toJS();
  });
}

/** Alert and recording rules of Prometheus, where the other half of the stack keeps them. */
export { RULES_FILE } from "../../../scripts/prometheus-rule.js";
