// The selection box itself, in a chunk of its own: the start page draws the graph first, and the box (and its CSS)
// arrive a moment later (its place is kept, so nothing moves when it does).
import { useEffect, useState } from "react";
import { plural } from "../format";
import type { Highlight } from "./selection";
import "./selectionBar.css";

export default function SelectionBar({
  select,
  onSelect,
  only,
  onOnly,
  highlight,
  error,
  busy,
}: {
  select: string;
  onSelect: (text: string) => void;
  only: boolean;
  onOnly: (only: boolean) => void;
  highlight?: Highlight;
  error?: string;
  busy: boolean;
}) {
  const [draft, setDraft] = useState(select);
  // The address changed under the box (back, forward, a shared link): show what is applied.
  useEffect(() => setDraft(select), [select]);
  const applied = highlight && highlight.text === select.trim() ? highlight : undefined;
  return (
    <form
      className="selection-bar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSelect(draft.trim());
      }}
    >
      <input
        type="search"
        className="selection-input"
        aria-label="Asset selection"
        placeholder="Select: +sales_summary, kind:csv, group:sales and not key:raw_sales_data…"
        spellCheck={false}
        autoComplete="off"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          // The search box's own clear button empties it: that clears the selection at once.
          if (e.target.value === "" && select) onSelect("");
        }}
      />
      <button type="submit">Select</button>
      {busy && <span className="hint busy">selecting…</span>}
      {error ? (
        <span className="selection-error error" role="alert" data-testid="selection-error">
          {error}
        </span>
      ) : (
        applied && (
          <span className="selection-count" data-testid="selection-count" aria-live="polite" title={`resolved by the API in ${applied.ms.toFixed(0)} ms`}>
            {applied.keys.size === 0 ? "selects nothing" : `selects ${plural(applied.keys.size, "asset")}`}
          </span>
        )
      )}
      {select && (
        <label className="selection-only" title="Hide what the selection leaves out (the layout stays as it is)">
          <input type="checkbox" checked={only} onChange={(e) => onOnly(e.target.checked)} /> only the selection
        </label>
      )}
    </form>
  );
}
