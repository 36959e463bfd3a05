import { useState } from "react";
import { ApiError } from "../api";
import { daemonApi } from "./api";
import type { RunDetails } from "../types";
import "./daemon.css";

/** Cancel, then a confirmation in place (no browser dialog), then POST /runs/{id}/cancel. */
export function CancelRunButton({ runId, label = "Cancel", onCanceled }: { runId: string; label?: string; onCanceled?: (run: RunDetails) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const run = await daemonApi.cancelRun(runId, "canceled from the dashboard");
      setDone(true);
      setAsking(false);
      onCanceled?.(run);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  if (done) return <span className="muted small" role="status">cancel requested</span>;
  return (
    <span className="cancel-run" data-run-id={runId}>
      {asking ? (
        <span role="group" aria-label={`Confirm canceling run ${runId}`}>
          <span className="small">Cancel this run? </span>
          <button className="danger" disabled={busy} onClick={() => void cancel()}>
            Yes, cancel the run
          </button>{" "}
          <button disabled={busy} onClick={() => setAsking(false)}>
            Keep it
          </button>
        </span>
      ) : (
        <button onClick={() => setAsking(true)} aria-label={`Cancel run ${runId}`} title="Cancel this run (asks first)">
          {label}
        </button>
      )}
      {error && (
        <span className="error small" role="alert">
          {" "}
          {error}
        </span>
      )}
    </span>
  );
}
