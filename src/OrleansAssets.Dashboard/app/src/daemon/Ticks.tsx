import { useEffect, useState } from "react";
import { daemonApi } from "./api";
import { formatDateTime, shortId } from "../format";
import { href, Link } from "../router";
import type { AutomationInfo, TickRecord } from "../types";
import { formatInZone } from "./format";

/** A tick's status, time, runs and message on one line (lists) or in cells (history). */
export function TickSummary({ tick }: { tick: TickRecord }) {
  return (
    <span className="tick-summary" data-tick-status={tick.status}>
      <span className={`badge tick status-${tick.status === "started" ? "started" : tick.status === "failed" ? "failure" : "skipped"}`} data-status={tick.status}>
        {tick.status}
      </span>{" "}
      <time dateTime={tick.at}>{formatDateTime(tick.at)}</time>
      {(tick.runIds ?? []).map((id) => (
        <span key={id}>
          {" "}
          <Link to={href.run(id)} className="mono">
            {shortId(id)}
          </Link>
        </span>
      ))}
      {tick.message && <span className="muted small"> {tick.message}</span>}
    </span>
  );
}

/**
 * A schedule's next ticks in its zone: those the server gave with it (a running schedule), else its preview
 * (a stopped schedule has none of its own, but a user deciding to start it wants to see when it would run).
 */
export function useNextTicks(info: AutomationInfo | undefined, count: number): { ticks?: string[]; error?: string } {
  const given = info?.nextTicks ?? [];
  const [preview, setPreview] = useState<{ ticks?: string[]; error?: string }>({});
  const needPreview = !!info && info.cron !== undefined && given.length < count;
  const name = info?.name;
  useEffect(() => {
    if (!needPreview || !name) return;
    const abort = new AbortController();
    daemonApi.preview(name, count, undefined, abort.signal).then(
      (r) => setPreview({ ticks: r.ticks }),
      (e) => !abort.signal.aborted && setPreview({ error: e instanceof Error ? e.message : String(e) }),
    );
    return () => abort.abort();
  }, [needPreview, name, count]);
  if (!needPreview) return { ticks: given.slice(0, count) };
  return preview.ticks ? { ticks: preview.ticks.slice(0, count) } : given.length > 0 ? { ticks: given } : preview;
}

export function NextTicks({ info, count }: { info: AutomationInfo; count: number }) {
  const { ticks, error } = useNextTicks(info, count);
  if (error) return <span className="error small">{error}</span>;
  if (!ticks) return <span className="muted">…</span>;
  if (ticks.length === 0) return <span className="muted">none</span>;
  return (
    <ol className="ticks-list" aria-label={`Next ticks of ${info.name}`}>
      {ticks.map((t) => (
        <li key={t}>
          <time dateTime={t} className="mono">
            {formatInZone(t, info.timeZone)}
          </time>
        </li>
      ))}
    </ol>
  );
}
