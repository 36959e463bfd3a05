import { useState } from "react";
import { ApiError } from "../api";
import { navigate, href } from "../router";
import { daemonApi } from "./api";
import "./daemon.css";

/**
 * Re-execute a finished run: every step, or from failure (only what failed, was canceled or did not run), then go
 * to the new run. Both POST /runs/{id}/reexecute; the API says why when it refuses (nothing failed, for example).
 */
export function ReexecuteButtons({ runId, failed }: { runId: string; failed: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const reexecute = async (fromFailure: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const run = await daemonApi.reexecuteRun(runId, fromFailure);
      navigate(href.run(run.runId));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // On the way to sign in.
      setError(e instanceof ApiError ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <span className="reexecute-run" data-run-id={runId}>
      {failed && (
        <button disabled={busy} onClick={() => void reexecute(true)} title="Run again only the steps that failed, were canceled or did not run, reusing what this run materialized">
          Re-execute from failure
        </button>
      )}{" "}
      <button disabled={busy} onClick={() => void reexecute(false)} title="Run every step of this run again, with its job, config and tags">
        Re-execute all
      </button>
      {error && (
        <span className="error small" role="alert">
          {" "}
          {error}
        </span>
      )}
    </span>
  );
}
