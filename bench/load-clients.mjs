// Virtual clients for the load section (load.mjs): <clients> users, each on its own connection,
// sending a request, waiting for the answer, then thinking <think_ms> before the next one (k6's
// `http.get(…); sleep(1)` loop). The users arrive evenly over <ramp_s> seconds (k6's ramping
// stage), then all of them run together for <seconds>. Latency is from sending to the whole
// answer; every request counts, the ramp's too.
// Prints one JSON line: answers by status code, socket errors, timeouts (10 s), requests/s and
// latency percentiles. Usage:
//   node bench/load-clients.mjs <url> <clients> <seconds> <think_ms> <ramp_s> [method] [body] [header=value …]
import { Client } from "undici";

const [url, clientsArg, secondsArg, thinkArg, rampArg, method = "GET", body = "", ...headerArgs] =
  process.argv.slice(2);
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const thinkMs = Number(thinkArg);
const rampMs = Number(rampArg) * 1000;
const target = new URL(url);
const headers = Object.fromEntries(
  headerArgs.map((h) => [h.slice(0, h.indexOf("=")), h.slice(h.indexOf("=") + 1)]),
);
const codes = {};
const latencies = [];
/** Answers slower than 250 ms, by the second of the run they were sent in. */
const slow = {};
let errors = 0;
let timeouts = 0;
const start = performance.now();
const deadline = start + rampMs + seconds * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function user(index) {
  const client = new Client(target.origin, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  await sleep((index / clients) * rampMs);
  try {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await client.request({
          path: target.pathname + target.search,
          method,
          headers,
          ...(method === "GET" ? {} : { body }),
        });
        await response.body.text();
        const took = performance.now() - sent;
        latencies.push(took);
        if (took > 250) {
          const second = Math.floor((sent - start) / 1000);
          slow[second] = (slow[second] ?? 0) + 1;
        }
        codes[response.statusCode] = (codes[response.statusCode] ?? 0) + 1;
      } catch (error) {
        if (/timeout/i.test(error.code ?? error.name ?? "")) timeouts++;
        else errors++;
      }
      await sleep(thinkMs);
    }
  } finally {
    await client.close().catch(() => {});
  }
}

await Promise.all(Array.from({ length: clients }, (_, i) => user(i)));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) =>
  latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null;
console.log(
  JSON.stringify({
    codes,
    errors,
    timeouts,
    requests: latencies.length,
    per_second: latencies.length / elapsed,
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    max_ms: latencies.at(-1) ?? null,
    slow_by_second: slow,
  }),
);
