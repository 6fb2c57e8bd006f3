import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as changepoint from "@bsull/augurs/changepoint";
import * as mstl from "@bsull/augurs/mstl";
import * as outlier from "@bsull/augurs/outlier";
import * as prophet from "@bsull/augurs/prophet";

/**
 * augurs ships one WebAssembly module per feature, loaded by `fetch` in browsers. In Node the
 * module bytes are read from the package next to its JavaScript (the .wasm files are not in the
 * package's exports, hence resolving the .js; `require.resolve` rather than `import.meta.resolve`,
 * which Vitest lacks), once per process.
 */
const require = createRequire(import.meta.url);
const loaded = new Set<string>();

function init(name: string, module: { initSync: (m: { module: Buffer }) => unknown }) {
  if (loaded.has(name)) return;
  const file = join(dirname(require.resolve(`@bsull/augurs/${name}`)), `${name}_bg.wasm`);
  module.initSync({ module: readFileSync(file) });
  loaded.add(name);
}

export function augursMstl(): typeof mstl {
  init("mstl", mstl);
  return mstl;
}

export function augursOutlier(): typeof outlier {
  init("outlier", outlier);
  return outlier;
}

export function augursChangepoint(): typeof changepoint {
  init("changepoint", changepoint);
  return changepoint;
}

export function augursProphet(): typeof prophet {
  init("prophet", prophet);
  return prophet;
}
