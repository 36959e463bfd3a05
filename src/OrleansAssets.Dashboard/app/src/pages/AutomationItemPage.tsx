import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api";
import { daemonApi, type AutomationKind } from "../daemon/api";
import "../daemon/daemon.css";
import { formatInterval, sensorKindLabels } from "../daemon/format";
import { StatusToggle } from "../daemon/StatusToggle";
import { NextTicks } from "../daemon/Ticks";
import { formatDateTime, formatDuration, shortId } from "../format";
import { href, Link } from "../router";
import type { AutomationInfo, TickRecord } from "../types";
import { Target } from "./AutomationPage";

const pageSize = 25;
const tickId = (t: TickRecord) => `${t.at}|${t.recordedAt ?? ""}|${t.status}`;

export function AutomationItemPage({ kind, name }: { kind: AutomationKind; name: string }) {
  const [info, setInfo] = useState<AutomationInfo>();
  const [error, setError] = useState<{ status: number; message: string }>();
  const noun = kind === "schedules" ? "schedule" : "sensor";

  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      daemonApi.automation(kind, name, abort.signal).then(setInfo, (e) => {
        if (!abort.signal.aborted) setError({ status: e instanceof ApiError ? e.status : 0, message: e instanceof Error ? e.message : String(e) });
      });
    void load();
    const timer = setInterval(() => document.visibilityState === "visible" && void load(), 10_000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [kind, name]);

  if (error)
    return (
      <div className="page">
        <h1 className="mono">{name}</h1>
        <p className="error" role="alert">
          {error.status === 404 ? `There is no ${noun} '${name}'.` : `Could not read the ${noun}: ${error.message}`}
        </p>
        <Link to={href.automation()}>All schedules and sensors</Link>
      </div>
    );
  if (!info)
    return (
      <div className="page">
        <h1 className="mono">{name}</h1>
        <p className="muted">Reading…</p>
      </div>
    );
  return (
    <div className={`page automation-item ${noun}-page`} data-name={info.name} data-status={info.status}>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to={href.automation()}>Schedules and sensors</Link> · {noun}
          </p>
          <h1 className="mono">{info.name}</h1>
        </div>
        <StatusToggle kind={kind} info={info} onChange={setInfo} />
      </div>
      {info.description && <p className="description">{info.description}</p>}
      <div className="facts">
        <div className="fact">
          <div className="fact-label">Runs</div>
          <div className="fact-value">
            <Target info={info} />
          </div>
        </div>
        {kind === "schedules" ? (
          <>
            <div className="fact">
              <div className="fact-label">Cron</div>
              <div className="fact-value mono">{info.cron}</div>
            </div>
            <div className="fact">
              <div className="fact-label">Zone</div>
              <div className="fact-value">{info.timeZone}</div>
            </div>
          </>
        ) : (
          <>
            <div className="fact">
              <div className="fact-label">Kind</div>
              <div className="fact-value">{info.sensorKind ? sensorKindLabels[info.sensorKind] ?? info.sensorKind : ""}</div>
            </div>
            {(info.sensorKind === "function" || !info.sensorKind) && (
              <div className="fact">
                <div className="fact-label">Interval</div>
                <div className="fact-value">{formatInterval(info.interval)}</div>
              </div>
            )}
            {(info.assets ?? []).length > 0 && (
              <div className="fact">
                <div className="fact-label">Watches</div>
                <div className="fact-value">
                  {(info.assets ?? []).map((a, i) => (
                    <span key={a}>
                      {i > 0 && ", "}
                      <Link to={href.asset(a)} className="mono">
                        {a}
                      </Link>
                    </span>
                  ))}
                </div>
              </div>
            )}
            {info.cursor && (
              <div className="fact">
                <div className="fact-label">Cursor</div>
                <div className="fact-value mono small">{info.cursor}</div>
              </div>
            )}
          </>
        )}
        <div className="fact">
          <div className="fact-label">Code location</div>
          <div className="fact-value">{info.codeLocation}</div>
        </div>
      </div>
      {kind === "schedules" && (
        <section aria-labelledby="next-heading">
          <h2 id="next-heading">Next ticks</h2>
          {info.status === "stopped" && <p className="muted small">Stopped: these are the times it would tick once started.</p>}
          <NextTicks info={info} count={10} />
        </section>
      )}
      <section aria-labelledby="ticks-heading">
        <h2 id="ticks-heading">Tick history</h2>
        <TickHistory kind={kind} name={info.name} />
      </section>
    </div>
  );
}

/** The ticks, newest first: the first page is read again every few seconds, older pages on request. */
function TickHistory({ kind, name }: { kind: AutomationKind; name: string }) {
  const [first, setFirst] = useState<TickRecord[]>();
  const [older, setOlder] = useState<TickRecord[]>([]);
  const [next, setNext] = useState<string | null>();
  const [error, setError] = useState<string>();
  const loadedOlder = useRef(false);

  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      daemonApi.ticks(kind, name, pageSize, undefined, abort.signal).then(
        (page) => {
          setFirst(page.items);
          if (!loadedOlder.current) setNext(page.next);
          setError(undefined);
        },
        (e) => !abort.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = setInterval(() => document.visibilityState === "visible" && void load(), 3_000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [kind, name]);

  const more = useCallback(async () => {
    if (!next) return;
    try {
      const page = await daemonApi.ticks(kind, name, pageSize, next);
      loadedOlder.current = true;
      setOlder((o) => [...o, ...page.items]);
      setNext(page.next);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [kind, name, next]);

  if (error && !first) return <p className="error" role="alert">Could not read the ticks: {error}</p>;
  if (!first) return <p className="muted">Reading the ticks…</p>;
  const seen = new Set<string>();
  const ticks = [...first, ...older].filter((t) => {
    const id = tickId(t);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (ticks.length === 0) return <p className="muted">No ticks yet.</p>;
  return (
    <>
      <table className="list ticks" data-testid="ticks">
        <thead>
          <tr>
            <th>Status</th>
            <th>Tick time</th>
            <th>Recorded</th>
            <th>Runs</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {ticks.map((t) => (
            <tr key={tickId(t)} data-tick-status={t.status}>
              <td>
                <span className={`badge tick status-${t.status === "started" ? "started" : t.status === "failed" ? "failure" : "skipped"}`} data-status={t.status}>
                  {t.status}
                </span>
              </td>
              <td>
                <time dateTime={t.at}>{formatDateTime(t.at)}</time>
              </td>
              <td className="muted small">
                {t.recordedAt && Date.parse(t.recordedAt) - Date.parse(t.at) > 1000
                  ? `${formatDuration(Date.parse(t.recordedAt) - Date.parse(t.at))} late`
                  : ""}
              </td>
              <td className="runs-cell">
                {(t.runIds ?? []).map((id) => (
                  <span key={id}>
                    <Link to={href.run(id)} className="mono run-link" data-run-id={id}>
                      {shortId(id)}
                    </Link>{" "}
                  </span>
                ))}
              </td>
              <td className={t.status === "failed" ? "error message" : "message"}>
                {t.message && (t.message.includes("\n") ? <pre className="small">{t.message}</pre> : t.message)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p className="error small" role="alert">{error}</p>}
      {next && (
        <button className="more" onClick={() => void more()}>
          Older ticks
        </button>
      )}
    </>
  );
}
