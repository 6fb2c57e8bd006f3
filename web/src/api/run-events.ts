import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiUrl } from "./client.js";
import { followEvents } from "./event-stream.js";
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
 * Follows a run over Server-Sent Events (`/runs/:id/events`, read with fetch) while `active`: status, progress
 * each second and timeline points. When it finishes the stored run is fetched again.
 */
export function useRunEvents(id: number, active: boolean): LiveRun {
  const client = useQueryClient();
  const [live, setLive] = useState<LiveRun>(IDLE);
  useEffect(() => {
    if (!active) return;
    setLive(IDLE);
    const data = <T>(text: string) => JSON.parse(text) as T;
    const stop = followEvents(apiUrl(`/runs/${id}/events`), {
      onOpen: () => setLive((l) => ({ ...l, connected: true })),
      // The stream reconnects by itself after a network error; the `run` event then resyncs.
      onError: () => setLive((l) => ({ ...l, connected: false })),
      onEvent: ({ event, data: text }) => {
        if (event === "run") setLive((l) => ({ ...l, status: data<RunView>(text).status }));
        else if (event === "status")
          setLive((l) => ({ ...l, status: data<{ status: RunStatus }>(text).status }));
        else if (event === "progress") setLive((l) => ({ ...l, progress: data<Progress>(text) }));
        else if (event === "second")
          setLive((l) => ({ ...l, seconds: [...l.seconds, data<TimelinePoint>(text)] }));
        else if (event === "finished") {
          stop();
          setLive((l) => ({ ...l, connected: false, status: data<{ status: RunStatus }>(text).status }));
          void client.invalidateQueries({ queryKey: keys.run(id) });
          void client.invalidateQueries({ queryKey: ["runs", "list"] });
        }
      },
    });
    return stop;
  }, [id, active, client]);
  return live;
}
