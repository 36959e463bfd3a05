import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "../api";
import { StatusBadge } from "../components/StatusBadge";
import { durationBetween, formatDateTime, formatDuration, shortId } from "../format";
import { stream } from "../live";
import { href, Link, useSearchParams } from "../router";
import type { RunSummary } from "../types";
import { runStatuses } from "../types";

const pageSize = 50;

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [next, setNext] = useState<string | null>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const refreshQueued = useRef(false);

  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      api.runs({ status: status || undefined, limit: pageSize }, abort.signal).then(
        (page) => {
          setRuns(page.items);
          setNext(page.next);
          setError(undefined);
          setLoading(false);
        },
        (e) => {
          if (!abort.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
          setLoading(false);
        },
      );
    setLoading(true);
    void load();
    // A run starting or ending changes the first page; read it again, at most once a second.
    const stop = stream.listen({
      run: (event) => {
        if (!event.type.startsWith("run") || refreshQueued.current) return;
        refreshQueued.current = true;
        setTimeout(() => {
          refreshQueued.current = false;
          if (!abort.signal.aborted) void load();
        }, 1000);
      },
      reconnected: () => void load(),
    });
    return () => {
      abort.abort();
      stop();
    };
  }, [status]);

  const more = async () => {
    if (!next) return;
    const page = await api.runs({ status: status || undefined, limit: pageSize, cursor: next });
    setRuns((r) => [...r, ...page.items]);
    setNext(page.next);
  };

  return (
    <div className="page runs">
      <h1>Runs</h1>
      <div className="filters" role="group" aria-label="Filter by status">
        <button className={status === "" ? "chip active" : "chip"} onClick={() => setParams({ status: undefined })} aria-pressed={status === ""}>
          all
        </button>
        {runStatuses.map((s) => (
          <button key={s} className={status === s ? "chip active" : "chip"} onClick={() => setParams({ status: s })} aria-pressed={status === s}>
            {s}
          </button>
        ))}
      </div>
      {error && <p className="error" role="alert">Could not read the runs: {error}</p>}
      {!loading && runs.length === 0 && !error && <p className="muted">No runs{status ? ` with status ${status}` : ""} yet.</p>}
      {runs.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Selection</th>
              <th>Assets</th>
              <th>Created</th>
              <th>Duration</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.runId} data-run-id={run.runId}>
                <td className="mono">
                  <Link to={href.run(run.runId)}>{shortId(run.runId)}</Link>
                  {run.tags?.["oa/parent_run_id"] && (
                    // A re-execution: linked to the run it re-executes; the chain shares oa/root_run_id.
                    <span className="muted small" data-testid="reexecutes" title={`re-executes run ${run.tags["oa/parent_run_id"]}${run.tags["oa/reexecution"] === "from_failure" ? " from failure" : ""}`}>
                      {" ↻ "}
                      <Link to={href.run(run.tags["oa/parent_run_id"])}>{shortId(run.tags["oa/parent_run_id"])}</Link>
                    </span>
                  )}
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td className="mono">{run.selection}</td>
                <td className="assets-cell" title={run.assetKeys?.join(", ")}>
                  {summarizeKeys(run.assetKeys)}
                </td>
                <td>{formatDateTime(run.createdAt)}</td>
                <td>{run.endedAt ? formatDuration(run.durationMs ?? durationBetween(run.startedAt ?? run.createdAt, run.endedAt)) : run.status === "started" ? "running" : ""}</td>
                <td>
                  {Object.entries(run.tags ?? {}).map(([k, v]) => (
                    <span key={k} className="tag">
                      {k}
                      {v ? `=${v}` : ""}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button className="more" onClick={() => void more()}>
          Older runs
        </button>
      )}
    </div>
  );
}

function summarizeKeys(keys?: string[]): string {
  if (!keys || keys.length === 0) return "";
  return keys.length <= 3 ? keys.join(", ") : `${keys.slice(0, 3).join(", ")} and ${keys.length - 3} more`;
}
