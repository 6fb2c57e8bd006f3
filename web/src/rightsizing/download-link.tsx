import { type MouseEvent, useState } from "react";
import { authHeaders } from "../api/api-key.js";
import { answer } from "../api/client.js";

/**
 * A link to an export. A plain link would not carry the API key (it lives in session storage,
 * not a cookie), so a click fetches with the key and saves the answer under `filename`.
 */
export function DownloadLink({ href, filename, label }: { href: string; filename: string; label: string }) {
  const [error, setError] = useState<string | null>(null);
  const download = async (event: MouseEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const response = await fetch(href, { headers: authHeaders() });
      if (!response.ok) await answer(response);
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <a href={href} download={filename} onClick={(e) => void download(e)}>
        {label}
      </a>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
