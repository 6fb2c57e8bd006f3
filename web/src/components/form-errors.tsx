import { ApiRequestError } from "../api/client.js";

/**
 * The API's answer to a refused form, at its top: the message, and every field error that is
 * not shown next to a field of the form (`shown` lists those fields' names).
 */
export function FormErrors({ error, shown }: { error: unknown; shown: readonly string[] }) {
  if (!error) return null;
  if (!(error instanceof ApiRequestError))
    return (
      <div className="form-errors" role="alert">
        {error instanceof Error ? error.message : String(error)}
      </div>
    );
  const covered = (field: string) => shown.some((s) => field === s || field.startsWith(`${s}.`));
  const others = error.details.filter((d) => !covered(d.field));
  return (
    <div className="form-errors" role="alert">
      <p>
        <strong>Not saved:</strong> {error.message}
      </p>
      {others.length > 0 && (
        <ul>
          {others.map((d) => (
            <li key={`${d.field}-${d.rule}`}>
              <code>{d.field}</code> {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The API's message for a field (or one below it), if the last save was refused for it. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiRequestError ? error.fieldError(field) : undefined;
}
