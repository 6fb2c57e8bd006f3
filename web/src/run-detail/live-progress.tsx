import type { LiveRun } from "../api/run-events.js";
import { count, seconds } from "../format.js";

/** Progress of a running run, fed by its event stream. */
export function LiveProgress({ live }: { live: LiveRun }) {
  const p = live.progress;
  const done = p ? p.completed + p.failed : 0;
  const total = p?.expected_total ?? null;
  return (
    <section className="panel live" aria-labelledby="live-heading" aria-live="polite">
      <h2 id="live-heading">
        Live progress <span className={live.connected ? "dot dot-on" : "dot"} aria-hidden="true" />
        <span className="visually-hidden">{live.connected ? "(connected)" : "(connecting)"}</span>
      </h2>
      {p ? (
        <>
          {total !== null ? (
            <progress max={total} value={done} aria-label="Jobs finished" />
          ) : (
            <progress aria-label="Jobs finished" />
          )}
          <p className="live-figures" data-testid="live-figures">
            {count(done)}
            {total !== null ? ` of ${count(total)}` : ""} jobs finished · {count(p.failed)} failed ·{" "}
            {count(p.in_flight)} in flight · {seconds(p.elapsed_ms / 1000)} elapsed
          </p>
        </>
      ) : (
        <p className="muted">Waiting for the run to start…</p>
      )}
    </section>
  );
}
