import { storedKey } from "./api-key.js";
import { answer } from "./client.js";

/**
 * index.html starts the dashboard's KPI request before the app's code has loaded (it is the
 * request that decides when the first screen is complete). The app takes that response over
 * when it asks for the very same URL, once; any other URL is fetched as usual.
 */
interface EarlyFetch {
  url: string;
  response: Promise<Response>;
  /** Whether it was sent with an API key (a key entered since makes it stale). */
  withKey?: boolean;
}

declare global {
  interface Window {
    __aureaEarly?: EarlyFetch | undefined;
  }
}

export function takeEarly<T>(url: string): Promise<T> | undefined {
  const early = window.__aureaEarly;
  if (!early) return undefined;
  window.__aureaEarly = undefined;
  if (!early.withKey && storedKey()) return undefined;
  return early.url === url ? early.response.then((response) => answer<T>(response)) : undefined;
}
