import { authHeaders } from "./api-key.js";

export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Server-Sent Events read with fetch, so the request carries the API key in a header
 * (EventSource can send none, and a key in the URL would end up in logs). Calls `onEvent` per
 * event and `onOpen` once connected; reconnects after a second when the stream breaks, until
 * the returned function is called.
 */
export function followEvents(
  url: string,
  {
    onEvent,
    onOpen,
    onError,
  }: { onEvent: (e: StreamEvent) => void; onOpen: () => void; onError: () => void },
): () => void {
  const controller = new AbortController();
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = async () => {
    try {
      const response = await fetch(url, {
        headers: { accept: "text/event-stream", ...authHeaders() },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
      onOpen();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          }
          if (data.length > 0) onEvent({ event, data: data.join("\n") });
        }
      }
    } catch {
      if (controller.signal.aborted) return;
    }
    if (controller.signal.aborted) return;
    onError();
    retry = setTimeout(() => void connect(), 1000);
  };
  void connect();
  return () => {
    clearTimeout(retry);
    controller.abort();
  };
}
