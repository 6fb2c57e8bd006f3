import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts the worker thread whose entry module is `./<entryName>` next to the module at `near`
 * (its `import.meta.url`). Compiled, the entry is a .js file. From source (tests, `tsx`) it is
 * .ts: the thread then registers tsx's loader first, as `--import` is not honoured for workers
 * on Node 20.
 */
export function startThread(near: string, entryName: string, workerData: unknown): Worker {
  const extension = extname(fileURLToPath(near));
  const entry = new URL(`./${entryName}${extension}`, near);
  if (extension !== ".ts") return new Worker(entry, { workerData });
  // tsx's ESM API by path: neither `import.meta.resolve` (absent under Vitest) nor `require`
  // (which picks the CommonJS build) finds it otherwise.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
