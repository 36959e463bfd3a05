import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api";
import { daemonApi } from "../daemon/api";
import "../daemon/daemon.css";
import { CancelRunButton } from "../daemon/CancelRun";
import { formatDateTime, plural, shortId } from "../format";
import { stream } from "../live";
import { href, Link } from "../router";
import type { QueueSnapshot } from "../types";

export function QueuePage() {
  const [queue, setQueue] = useState<QueueSnapshot>();
  const [error, setError] = useState<string>();
  const soon = useRef<ReturnType<typeof setTimeout>>(undefined);
  const load = useRef<() => void>(() => undefined);

  useEffect(() => {
    const abort = new AbortController();
    load.current = () =>
      void daemonApi.queue(abort.signal).then(
        (q) => {
          setQueue(q);
          setError(undefined);
        },
        (e) => !abort.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)),
      );
    load.current();
    // A run queued, started or ended changes the queue: read it again soon (at most a few times a second), and
    // every few seconds besides, for what the stream does not say (a run's place moving up).
    const stop = stream.listen({
      run: (event) => {
        if (!event.type.startsWith("run") || soon.current) return;
        soon.current = setTimeout(() => {
          soon.current = undefined;
          load.current();
        }, 300);
      },
      reconnected: () => load.current(),
    });
    const timer = setInterval(() => document.visibilityState === "visible" && load.current(), 3_000);
    return () => {
      abort.abort();
      stop();
      clearInterval(timer);
      clearTimeout(soon.current);
    };
  }, []);

  const queued = queue?.queued ?? [];
  const running = queue?.running ?? [];
  return (
    <div className="page queue-page">
      <h1>Run queue</h1>
      {error && <p className="error" role="alert">Could not read the queue: {error}</p>}
      {!queue && !error && <p className="muted">Reading the queue…</p>}
      {queue && (
        <>
          <section aria-labelledby="limits-heading">
            <h2 id="limits-heading">Limits</h2>
            <div className="facts queue-limits">
              <div className="fact">
                <div className="fact-label">Runs at once</div>
                <div className="fact-value" data-testid="max-concurrent-runs">
                  {queue.maxConcurrentRuns && queue.maxConcurrentRuns > 0 ? queue.maxConcurrentRuns : "no limit"}
                </div>
              </div>
              <div className="fact">
                <div className="fact-label">Running</div>
                <div className="fact-value">{running.length}</div>
              </div>
              <div className="fact">
                <div className="fact-label">Queued</div>
                <div className="fact-value">{queued.length}</div>
              </div>
              <div className="fact">
                <div className="fact-label">Tag limits</div>
                <div className="fact-value">
                  {(queue.tagLimits ?? []).length === 0 && <span className="muted">none</span>}
                  {(queue.tagLimits ?? []).map((l) => (
                    <span key={`${l.key}=${l.value ?? "*"}`} className="tag" data-tag-limit={l.key}>
                      {l.key}
                      {l.value !== undefined && l.value !== null ? `=${l.value}` : " (any value)"}: at most {l.limit}
                    </span>
                  ))}
                </div>
              </div>
            </div>
          </section>
          <section aria-labelledby="queued-heading">
            <h2 id="queued-heading">Queued {queued.length > 0 && <span className="muted">({plural(queued.length, "run")})</span>}</h2>
            {queued.length === 0 ? (
              <p className="muted">No run is waiting.</p>
            ) : (
              <table className="list" data-testid="queued">
                <thead>
                  <tr>
                    <th className="num">Position</th>
                    <th>Run</th>
                    <th className="num">Priority</th>
                    <th>Created</th>
                    <th>Tags</th>
                    <th>Waiting for</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {[...queued]
                    .sort((a, b) => a.position - b.position)
                    .map((r) => (
                      <tr key={r.runId} data-run-id={r.runId} data-position={r.position}>
                        <td className="num position">{r.position}</td>
                        <td className="mono">
                          <Link to={href.run(r.runId)}>{shortId(r.runId)}</Link>
                        </td>
                        <td className="num">{r.priority ?? 0}</td>
                        <td>{formatDateTime(r.createdAt)}</td>
                        <td>
                          {Object.entries(r.tags ?? {}).map(([k, v]) => (
                            <span key={k} className="tag">
                              {k}
                              {v ? `=${v}` : ""}
                            </span>
                          ))}
                        </td>
                        <td className="muted small">{r.waitingFor}</td>
                        <td>
                          <CancelRunButton runId={r.runId} onCanceled={() => load.current()} />
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="running-heading">
            <h2 id="running-heading">Running</h2>
            {running.length === 0 ? (
              <p className="muted">No run is running.</p>
            ) : (
              <ul className="key-links running-runs" data-testid="running">
                {running.map((id) => (
                  <li key={id} data-run-id={id}>
                    <Link to={href.run(id)} className="mono">
                      {id}
                    </Link>{" "}
                    <CancelRunButton runId={id} onCanceled={() => load.current()} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
