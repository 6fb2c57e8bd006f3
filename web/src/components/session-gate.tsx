import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { storedKey, storeKey } from "../api/api-key.js";
import { ApiRequestError, api } from "../api/client.js";
import type { SessionView } from "../api/types.js";

/** What each scope lets the dashboard do. */
const ALLOWS: Record<SessionView["scope"], string> = {
  read: "read-only: you can look at everything, but not create, edit, trigger or delete",
  write: "you can create, edit, trigger and delete; keys and secrets need an admin key",
  admin: "you can do everything, keys and secrets included",
};

/**
 * Signs in with an API key when the server requires one: the app's pages appear once
 * `/api/v1/session` accepts the key; the header shows who is signed in and what the key allows.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  // The key in use: a change (signing in or out) asks for the session again.
  const [key, setKey] = useState(storedKey);
  const session = useQuery({
    queryKey: ["session", key],
    queryFn: () => api.get<SessionView>("/session"),
    retry: false,
    staleTime: 60_000,
  });
  const signOut = () => {
    storeKey(null);
    client.clear();
    setKey(null);
  };
  if (session.isPending) return <p className="muted">Connecting…</p>;
  const error = session.error;
  if (error instanceof ApiRequestError && error.status === 401)
    return <SignIn problem={key ? error.message : undefined} onSignedIn={setKey} />;
  const me = session.data;
  return (
    <>
      {me?.auth_required && (
        <div className="session-bar" role="status">
          Signed in as <strong>{me.name}</strong> (<code>{me.prefix}</code>, scope <strong>{me.scope}</strong>
          ): {ALLOWS[me.scope]}.{" "}
          <button type="button" className="link-button" onClick={signOut}>
            Sign out
          </button>
        </div>
      )}
      {children}
    </>
  );
}

function SignIn({ problem, onSignedIn }: { problem: string | undefined; onSignedIn: (key: string) => void }) {
  const client = useQueryClient();
  const [key, setKey] = useState("");
  const [error, setError] = useState(problem);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const entered = key.trim();
    storeKey(entered);
    try {
      await api.get<SessionView>("/session");
      setError(undefined);
      // Whatever was fetched without the key (401s) is dropped.
      client.clear();
      onSignedIn(entered);
    } catch (e) {
      storeKey(null);
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section className="card sign-in">
      <h1>Sign in</h1>
      <p>
        This Aurea requires an API key. Create one with <code>aurea keys create --name you --scope read</code>
        .
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "api-key-error" : undefined}
          required
        />
        {error && (
          <p id="api-key-error" className="field-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </section>
  );
}
