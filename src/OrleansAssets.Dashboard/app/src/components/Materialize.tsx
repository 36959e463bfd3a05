import { useState } from "react";
import { api, ApiError } from "../api";
import { rememberRun } from "./runs";

export interface MaterializeChoice {
  label: string;
  selection: string;
  title?: string;
}

/**
 * Buttons that start a run of a selection (our selection syntax: `a,b`, `*a` all upstream, `a*` all downstream)
 * and hand its progress to the run toasts.
 */
export function MaterializeButtons({ choices, disabled }: { choices: MaterializeChoice[]; disabled?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const start = async (selection: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const run = await api.materialize(selection);
      rememberRun(run.runId);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="materialize" role="group" aria-label="Materialize">
      {choices.map((choice, i) => (
        <button
          key={choice.label}
          className={i === 0 ? "primary" : undefined}
          disabled={disabled || busy}
          title={choice.title ?? `Start a run of the selection ${choice.selection}`}
          onClick={() => void start(choice.selection)}
        >
          {choice.label}
        </button>
      ))}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Our selection syntax for a set of keys: the keys themselves, with all upstream, or with all downstream. */
export function selectionFor(keys: string[], mode: "only" | "upstream" | "downstream"): string {
  return keys.map((k) => (mode === "upstream" ? `*${k}` : mode === "downstream" ? `${k}*` : k)).join(",");
}
