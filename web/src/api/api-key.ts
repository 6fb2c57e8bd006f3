/**
 * The API key the dashboard signs in with, kept in session storage: it lasts as long as the tab
 * and is never written to disk by the app (nor put in a URL, where logs would keep it).
 */
const STORAGE = "aurea.apiKey";

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(STORAGE);
  else sessionStorage.setItem(STORAGE, key);
}

/** The headers that authenticate a request, when signed in. */
export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}
