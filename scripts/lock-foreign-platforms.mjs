#!/usr/bin/env node
// The registry this project installs from serves only some platforms' prebuilt binaries
// (biome, rollup, …), so npm writes a lockfile without the other platforms' optional
// packages and `npm ci` then refuses it as out of sync. This adds those entries, marked
// optional with their os/cpu, so `npm ci` skips them as it does on any foreign platform.
// Run after `npm install` changes the lockfile: `node scripts/lock-foreign-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;

const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "openbsd",
  "openharmony",
  "win32",
  "sunos",
  "aix",
  "netbsd",
];
const CPU = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "mips64el"];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((p) => OS.includes(p));
  const cpu =
    parts.find((p) => CPU.includes(p)) ??
    (parts.includes("arm") || parts.includes("eabi") ? "arm" : undefined);
  const entry = {};
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (parts.includes("musl") || parts.includes("musleabihf")) entry.libc = ["musl"];
  else if (os === "linux" && (parts.includes("gnu") || parts.includes("gnueabihf"))) entry.libc = ["glibc"];
  return entry;
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path === "" ? "node_modules" : `${path}/node_modules`;
    const candidates = [`${base}/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    packages[`node_modules/${dep}`] = { version, ...platformOf(dep), dev: meta.dev, optional: true };
    if (!meta.dev) delete packages[`node_modules/${dep}`].dev;
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-foreign-platforms: added ${added} optional platform entries`);
