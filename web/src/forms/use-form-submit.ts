import { type FormEvent, useState } from "react";

/** What the forms' save mutations take: the resource's id when editing, and the body. */
interface Save<B> {
  error: Error | null;
  mutate(variables: { id?: number | undefined; body: B }, options: { onSuccess: () => void }): void;
}

/**
 * A form's submit: turns its state into the request body (which throws for input only the
 * browser can check, such as malformed JSON), then saves it. The error to show is that local
 * one, or the API's (with its field errors).
 */
export function useFormSubmit<S, B>(
  toBody: (state: S) => B,
  save: Save<B>,
  { id, onDone }: { id: number | undefined; onDone: () => void },
) {
  const [localError, setLocalError] = useState<Error | null>(null);
  const submit = (state: S) => (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    let body: B;
    try {
      body = toBody(state);
    } catch (e) {
      setLocalError(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    save.mutate({ id, body }, { onSuccess: onDone });
  };
  return { submit, error: localError ?? save.error };
}
