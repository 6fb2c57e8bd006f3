import { useEffect, useRef, useState } from "react";
import { ApiRequestError } from "../api/client.js";

/**
 * Delete in two steps (the first press asks to confirm). `onDelete` answers a promise; a 409
 * from the API is shown, with `forceLabel` offering the forced delete (`?cascade=true`).
 */
export function DeleteButton({
  what,
  onDelete,
  forceLabel,
}: {
  what: string;
  onDelete: (force: boolean) => Promise<unknown>;
  forceLabel?: string;
}) {
  const [stage, setStage] = useState<"idle" | "confirm" | "busy">("idle");
  const [error, setError] = useState<ApiRequestError | Error | null>(null);
  const run = async (force: boolean) => {
    setStage("busy");
    setError(null);
    try {
      await onDelete(force);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      setStage("idle");
    }
  };
  // The confirmation takes the focus, so a keyboard user confirms (or keeps) right away.
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (stage === "confirm") confirm.current?.focus();
  }, [stage]);
  const conflict = error instanceof ApiRequestError && error.status === 409;
  return (
    <span className="delete-button">
      {stage === "confirm" ? (
        <>
          <button type="button" className="danger" onClick={() => void run(false)} ref={confirm}>
            Confirm delete
          </button>
          <button type="button" onClick={() => setStage("idle")}>
            Keep
          </button>
        </>
      ) : (
        <button
          type="button"
          className="danger-outline"
          disabled={stage === "busy"}
          onClick={() => setStage("confirm")}
          aria-label={`Delete ${what}`}
        >
          Delete
        </button>
      )}
      {error && (
        <span className="inline-error" role="alert">
          {error.message}
          {conflict && forceLabel && (
            <button type="button" className="danger-outline" onClick={() => void run(true)}>
              {forceLabel}
            </button>
          )}
        </span>
      )}
    </span>
  );
}
