import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError } from "../api";
import { Gantt } from "../components/Gantt";
import { MetadataTable } from "../components/Metadata";
import { isTerminal } from "../components/runs";
import { StatusBadge } from "../components/StatusBadge";
import { CancelRunButton } from "../daemon/CancelRun";
import { ReexecuteButtons } from "../daemon/ReexecuteRun";
import { durationBetween, formatDateTime, formatDuration, formatPreciseTime } from "../format";
import { openRunStream } from "../live";
import { href, Link } from "../router";
import type { LogLevel, RunDetails, RunEvent, RunEventType, RunStatus, RunStep } from "../types";
import { logLevels, runEventTypes } from "../types";

const levelRank: Record<LogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5 };

type TypeFilter = "all" | "logs" | "steps" | "materializations" | RunEventType;

interface RunView {
  run: RunDetails;
  steps: Map<string, RunStep>;
  events: RunEvent[];
  lastSequence: number;
}

/**
 * Folds events into the run's record and step summary, the way the run grain does. One batch copies the view once,
 * so a run of 10,000 steps (40,000 events) costs what its events do, not their square.
 */
function applyEvents(view: RunView, batch: RunEvent[]): RunView {
  const fresh = batch.filter((e) => e.sequence > view.lastSequence).sort((a, b) => a.sequence - b.sequence);
  if (fresh.length === 0) return view;
  const run: RunDetails = { ...view.run };
  const steps = new Map(view.steps);
  const events = view.events.concat();
  let lastSequence = view.lastSequence;
  for (const event of fresh) {
    if (event.sequence <= lastSequence) continue;
    lastSequence = event.sequence;
    events.push(event);
    const step = event.assetKey ? { ...(steps.get(event.assetKey) ?? { assetKey: event.assetKey, status: "pending" as const }) } : undefined;
    const end = (status: RunStatus) => {
      run.status = status;
      run.endedAt = event.timestamp;
    };
    switch (event.type) {
      case "runStarted":
        run.status = "started";
        run.startedAt = run.startedAt ?? event.timestamp;
        break;
      case "runSuccess":
        end("success");
        break;
      case "runFailure":
        end("failure");
        run.error = event.error ?? run.error;
        break;
      case "runCanceled":
        end("canceled");
        break;
      case "stepStarted":
        if (step) {
          step.status = "running";
          step.startedAt = event.timestamp;
          step.endedAt = undefined;
          step.durationMs = undefined;
          step.attempts = event.attempt ?? (step.attempts ?? 0) + 1;
          step.silo = event.silo ?? step.silo;
        }
        break;
      case "stepSucceeded":
        if (step) {
          step.status = "success";
          step.endedAt = event.timestamp;
          step.durationMs = event.durationMs ?? step.durationMs;
        }
        break;
      case "stepFailed":
        if (step) {
          step.status = event.willRetry ? "pending" : "failure";
          step.endedAt = event.timestamp;
          step.error = event.error;
        }
        break;
      case "stepSkipped":
        if (step) {
          step.status = "skipped";
          step.endedAt = event.timestamp;
        }
        break;
      case "stepCanceled":
        if (step) {
          step.status = "canceled";
          step.endedAt = event.timestamp;
        }
        break;
      case "runCanceling":
        run.cancelRequestedBy = run.cancelRequestedBy ?? event.message ?? "someone";
        break;
      default:
        break;
    }
    if (step && event.type.startsWith("step")) steps.set(step.assetKey, step);
  }
  return { run, steps, events, lastSequence };
}

function fromDetails(run: RunDetails): RunView {
  const events = [...(run.events ?? [])].sort((a, b) => a.sequence - b.sequence);
  const steps = new Map((run.steps ?? []).map((s) => [s.assetKey, s]));
  for (const key of run.assetKeys ?? []) if (!steps.has(key)) steps.set(key, { assetKey: key, status: "pending" });
  return { run: { ...run, events: undefined }, steps, events, lastSequence: events.length > 0 ? events[events.length - 1]!.sequence : 0 };
}

export function RunPage({ runId }: { runId: string }) {
  const [view, setView] = useState<RunView>();
  const [error, setError] = useState<{ status: number; message: string }>();
  const current = useRef<RunView>(undefined);

  useEffect(() => {
    let alive = true;
    const abort = new AbortController();
    const waiting: RunEvent[] = [];
    const commit = (next: RunView) => {
      current.current = next;
      setView(next);
    };
    const fold = (events: RunEvent[]) => {
      if (current.current) commit(applyEvents(current.current, events));
    };
    // Live events are folded a frame's worth at a time: a busy run sends hundreds a second.
    let queued: RunEvent[] = [];
    let frame = 0;
    const foldSoon = (event: RunEvent) => {
      queued.push(event);
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const batch = queued;
        queued = [];
        fold(batch);
      });
    };
    const catchUp = async () => {
      // Read whatever the stream did not deliver (before it opened, or across a drop), in order.
      try {
        let after: number | undefined = current.current?.lastSequence ?? 0;
        while (alive && after !== undefined) {
          const page = await api.runEvents(runId, after, abort.signal);
          fold(page.items);
          after = page.next ? Number(page.next) : undefined;
        }
      } catch {
        // The stream keeps going; the next reconnect reads again.
      }
    };
    const reconcile = (tries = 0): Promise<void> =>
      api.run(runId, abort.signal).then(
        (run) => {
          if (!alive) return;
          const fresh = fromDetails(run);
          const mine = current.current;
          if (mine && mine.lastSequence > fresh.lastSequence) {
            // The read is older than what the stream has shown (its steps too): keep what is shown, read again soon.
            if (tries < 10) setTimeout(() => void reconcile(tries + 1), 300);
            return;
          }
          commit(fresh);
        },
        () => undefined,
      );
    const close = openRunStream(
      runId,
      (event) => {
        if (!current.current) {
          waiting.push(event);
          return;
        }
        foldSoon(event);
        if (event.type === "runSuccess" || event.type === "runFailure" || event.type === "runCanceled") void reconcile();
      },
      () => {
        if (current.current) void catchUp();
      },
    );
    api.run(runId, abort.signal).then(
      (run) => {
        if (!alive) return;
        commit(fromDetails(run));
        fold(waiting.splice(0));
        void catchUp();
      },
      (e) => {
        if (alive) setError({ status: e instanceof ApiError ? e.status : 0, message: e instanceof Error ? e.message : String(e) });
      },
    );
    // A queued run's place moves up as runs ahead of it start or leave; no event says so, so read it now and then.
    const whileQueued = setInterval(() => {
      if (current.current?.run.status === "queued" && document.visibilityState === "visible") void reconcile();
    }, 3000);
    return () => {
      alive = false;
      clearInterval(whileQueued);
      cancelAnimationFrame(frame);
      current.current = undefined;
      abort.abort();
      close();
    };
  }, [runId]);

  if (error)
    return (
      <div className="page">
        <h1>Run {runId}</h1>
        <p className="error" role="alert">
          {error.status === 404 ? "There is no such run." : `Could not read the run: ${error.message}`}
        </p>
        <Link to={href.runs()}>All runs</Link>
      </div>
    );
  if (!view)
    return (
      <div className="page">
        <h1>Run {runId}</h1>
        <p className="muted">Reading…</p>
      </div>
    );
  return <RunView view={view} />;
}

function RunView({ view }: { view: RunView }) {
  const { run } = view;
  const running = !isTerminal(run.status);
  const steps = [...view.steps.values()];
  const [asset, setAsset] = useState<string>();
  return (
    <div className="page run-page" data-run-status={run.status}>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to={href.runs()}>Runs</Link>
          </p>
          <h1 className="mono">Run {run.runId}</h1>
        </div>
        <StatusBadge status={run.status} />
        {running && !run.cancelRequestedBy && <CancelRunButton key={run.runId} runId={run.runId} label="Cancel run" />}
        {!running && <ReexecuteButtons key={run.runId} runId={run.runId} failed={run.status !== "success"} />}
      </div>
      <div className="facts">
        {run.parentRunId && (
          <div className="fact" data-testid="reexecution-of">
            <div className="fact-label">Re-executes</div>
            <div className="fact-value mono">
              <Link to={href.run(run.parentRunId)}>{run.parentRunId.slice(0, 8)}</Link>
              {run.tags?.["oa/reexecution"] === "from_failure" ? " from failure" : " (all steps)"}
              {run.rootRunId && run.rootRunId !== run.parentRunId && (
                <>
                  {"; first run "}
                  <Link to={href.run(run.rootRunId)}>{run.rootRunId.slice(0, 8)}</Link>
                </>
              )}
            </div>
          </div>
        )}
        {run.job && (
          <div className="fact">
            <div className="fact-label">Job</div>
            <div className="fact-value mono">
              <Link to={href.job(run.job)}>{run.job}</Link>
            </div>
          </div>
        )}
        <div className="fact">
          <div className="fact-label">Selection</div>
          <div className="fact-value mono">{run.selection}</div>
        </div>
        <div className="fact">
          <div className="fact-label">Created</div>
          <div className="fact-value">{formatDateTime(run.createdAt)}</div>
        </div>
        <div className="fact">
          <div className="fact-label">Duration</div>
          <div className="fact-value">{formatDuration(run.durationMs ?? durationBetween(run.startedAt ?? run.createdAt, run.endedAt))}{running ? " so far" : ""}</div>
        </div>
        <div className="fact">
          <div className="fact-label">Steps</div>
          <div className="fact-value">
            {steps.filter((s) => s.status === "success").length} of {steps.length} succeeded
          </div>
        </div>
        {run.tags && Object.keys(run.tags).length > 0 && (
          <div className="fact">
            <div className="fact-label">Tags</div>
            <div className="fact-value">
              {Object.entries(run.tags).map(([k, v]) => (
                <span key={k} className="tag">
                  {k}
                  {v ? `=${v}` : ""}
                </span>
              ))}
            </div>
          </div>
        )}
      </div>
      {run.status === "queued" && (
        <p className="notice stale" data-testid="queue-position" data-queue-position={run.queuePosition}>
          Queued{run.queuePosition !== undefined ? `: number ${run.queuePosition} in the queue` : ""}
          {run.priority ? `, priority ${run.priority}` : ""}.
        </p>
      )}
      {run.cancelRequestedBy && running && <p className="notice stale">Canceling: its running steps are being stopped.</p>}
      {run.error && (
        <div className="notice failed">
          {typeof run.error === "string" ? run.error : (
            <>
              <strong>{run.error.type}</strong> {run.error.message}
            </>
          )}
        </div>
      )}
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <Gantt steps={steps} start={run.startedAt ?? run.createdAt} end={run.endedAt} running={running} onPick={(k) => setAsset((a) => (a === k ? undefined : k))} />
        <p className="muted small">
          Assets:{" "}
          {steps.slice(0, 12).map((s, i) => (
            <span key={s.assetKey}>
              {i > 0 && ", "}
              <Link to={href.asset(s.assetKey)}>{s.assetKey}</Link>
            </span>
          ))}
          {steps.length > 12 && ` and ${steps.length - 12} more`}
        </p>
      </section>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Events</h2>
        <EventLog events={view.events} asset={asset} onAsset={setAsset} keys={steps.map((s) => s.assetKey)} />
      </section>
    </div>
  );
}

function EventLog({ events, asset, onAsset, keys }: { events: RunEvent[]; asset?: string; onAsset: (a?: string) => void; keys: string[] }) {
  const [type, setType] = useState<TypeFilter>("all");
  const [minLevel, setMinLevel] = useState<LogLevel>("trace");
  const [text, setText] = useState("");
  const [follow, setFollow] = useState(true);
  const filtered = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return events.filter((e) => {
      if (asset && e.assetKey !== asset) return false;
      if (type === "logs" && e.type !== "log") return false;
      if (type === "steps" && !e.type.startsWith("step")) return false;
      if (type === "materializations" && e.type !== "materialization") return false;
      if (type !== "all" && type !== "logs" && type !== "steps" && type !== "materializations" && e.type !== type) return false;
      const level = e.level ?? (e.type === "stepFailed" || e.type === "runFailure" ? "error" : e.type === "stepCanceled" || e.type === "runCanceling" ? "warning" : "information");
      if (levelRank[level] < levelRank[minLevel]) return false;
      if (needle && !`${e.message ?? ""} ${e.assetKey ?? ""} ${e.type}`.toLowerCase().includes(needle)) return false;
      return true;
    });
  }, [events, type, minLevel, text, asset]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: filtered.length, getScrollElement: () => scroller.current, estimateSize: () => 30, overscan: 10 });
  useEffect(() => {
    if (follow && filtered.length > 0) virtualizer.scrollToIndex(filtered.length - 1, { align: "end" });
  }, [filtered.length, follow, virtualizer]);

  return (
    <div className="event-log">
      <div className="filters">
        <label>
          Type{" "}
          <select value={type} onChange={(e) => setType(e.target.value as TypeFilter)} aria-label="Filter by event type">
            <option value="all">all events</option>
            <option value="logs">log lines</option>
            <option value="steps">step events</option>
            <option value="materializations">materializations</option>
            {runEventTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level at least{" "}
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)} aria-label="Filter by level">
            {logLevels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Asset{" "}
          <select value={asset ?? ""} onChange={(e) => onAsset(e.target.value || undefined)} aria-label="Filter by asset">
            <option value="">all</option>
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <input type="search" placeholder="Search messages" aria-label="Search events" value={text} onChange={(e) => setText(e.target.value)} />
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <span className="count">
          {filtered.length} of {events.length} events
        </span>
      </div>
      <div className="vbody log-body" ref={scroller} role="log" aria-label="Run events" data-testid="event-log">
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const e = filtered[item.index]!;
            return (
              <div
                key={e.sequence}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className={`log-row type-${e.type} level-${e.level ?? "none"}`}
                data-event-type={e.type}
                style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
              >
                <span className="log-time mono">{formatPreciseTime(e.timestamp)}</span>
                <span className={`log-level level-${e.level ?? "none"}`}>{e.level ?? ""}</span>
                <span className="log-type">{e.type}</span>
                <span className="log-asset">{e.assetKey && <Link to={href.asset(e.assetKey)}>{e.assetKey}</Link>}</span>
                <span className="log-message">
                  {describe(e)}
                  {e.error && (
                    <details>
                      <summary>
                        {e.error.type}: {e.error.message}
                      </summary>
                      {e.error.stackTrace && <pre>{e.error.stackTrace}</pre>}
                    </details>
                  )}
                  {e.type === "materialization" && e.metadata && Object.keys(e.metadata).length > 0 && (
                    <details>
                      <summary>metadata</summary>
                      <MetadataTable metadata={e.metadata} />
                    </details>
                  )}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function describe(e: RunEvent): string {
  if (e.message) return e.message;
  switch (e.type) {
    case "stepStarted":
      return `started (attempt ${e.attempt ?? 1})${e.silo ? ` on ${e.silo}` : ""}`;
    case "stepSucceeded":
      return `succeeded${e.durationMs !== undefined ? ` in ${formatDuration(e.durationMs)}` : ""}`;
    case "stepFailed":
      return e.willRetry ? "attempt lost; will retry" : "failed";
    case "stepCanceled":
      return "canceled";
    case "materialization":
      return `materialized${e.dataVersion ? ` (data version ${e.dataVersion.slice(0, 12)})` : ""}`;
    default:
      return "";
  }
}
