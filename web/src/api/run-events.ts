import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiUrl } from "./client.js";
import { keys } from "./queries.js";
import type { Progress, RunStatus, RunView, TimelinePoint } from "./types.js";

export interface LiveRun {
  connected: boolean;
  status: RunStatus | null;
  progress: Progress | null;
  /** Timeline points received so far, one per second of the run. */
  seconds: TimelinePoint[];
}

const IDLE: LiveRun = { connected: false, status: null, progress: null, seconds: [] };

/**
 * Follows a run over Server-Sent Events (`/runs/:id/events`) while `active`: status, progress
 * each second and timeline points. When it finishes the stored run is fetched again.
 */
export function useRunEvents(id: number, active: boolean): LiveRun {
  const client = useQueryClient();
  const [live, setLive] = useState<LiveRun>(IDLE);
  useEffect(() => {
    if (!active) return;
    setLive(IDLE);
    const source = new EventSource(apiUrl(`/runs/${id}/events`));
    const data = <T>(event: Event) => JSON.parse((event as MessageEvent<string>).data) as T;
    source.onopen = () => setLive((l) => ({ ...l, connected: true }));
    source.addEventListener("run", (e) => setLive((l) => ({ ...l, status: data<RunView>(e).status })));
    source.addEventListener("status", (e) =>
      setLive((l) => ({ ...l, status: data<{ status: RunStatus }>(e).status })),
    );
    source.addEventListener("progress", (e) => setLive((l) => ({ ...l, progress: data<Progress>(e) })));
    source.addEventListener("second", (e) =>
      setLive((l) => ({ ...l, seconds: [...l.seconds, data<TimelinePoint>(e)] })),
    );
    source.addEventListener("finished", (e) => {
      source.close();
      const finished = data<{ status: RunStatus }>(e);
      setLive((l) => ({ ...l, connected: false, status: finished.status }));
      void client.invalidateQueries({ queryKey: keys.run(id) });
      void client.invalidateQueries({ queryKey: ["runs", "list"] });
    });
    // EventSource reconnects by itself after a network error; the `run` event then resyncs.
    source.onerror = () => setLive((l) => ({ ...l, connected: false }));
    return () => source.close();
  }, [id, active, client]);
  return live;
}
