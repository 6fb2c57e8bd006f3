#!/usr/bin/env node
import { execute } from "./program.js";

/**
 * The only place that ends the process. First Ctrl-C cancels a run or an experiment (the partial
 * result printed); the second exits.
 */
const controller = new AbortController();
let interrupts = 0;
const onInterrupt = () => {
  interrupts++;
  if (interrupts === 1) controller.abort();
  else process.exit(130);
};
const command = process.argv[2];
if (command === "run" || command === "experiment") process.on("SIGINT", onInterrupt);

const code = await execute(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
// Leftover handles (sockets in TIME_WAIT, worker threads) must not keep a finished CLI alive.
if (command !== "serve") setTimeout(() => process.exit(code), 100).unref();
