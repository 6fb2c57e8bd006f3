import { type ReactNode, useState } from "react";

/** Paging by the API's cursors: the cursors of the pages before this one ("Previous" pops one). */
export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    /** The cursor of the page shown (undefined: the first). */
    cursor: cursors.at(-1),
    /** 1 for the first page. */
    number: cursors.length + 1,
    previous: () => setCursors((c) => c.slice(0, -1)),
    next: (cursor: string) => setCursors((c) => [...c, cursor]),
    /** Back to the first page (when the filter changes). */
    reset: () => setCursors([]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

/** Previous / Next for `pages`; `showNumber` says "Page N" between them, `children` come after. */
export function Pager({
  pages,
  next,
  label,
  showNumber = false,
  children,
}: {
  pages: CursorPages;
  /** The cursor of the page after this one, if any. */
  next: string | null | undefined;
  label: string;
  showNumber?: boolean;
  children?: ReactNode;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={pages.number === 1} onClick={pages.previous}>
        Previous
      </button>
      {showNumber && <span>Page {pages.number}</span>}
      <button type="button" disabled={!next} onClick={() => next && pages.next(next)}>
        Next
      </button>
      {children}
    </nav>
  );
}
