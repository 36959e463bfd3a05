import { useEffect, useState } from "react";
import { ApiError } from "../api";
import { daemonApi, all, type AutomationKind } from "../daemon/api";
import "../daemon/daemon.css";
import { formatInterval, sensorKindLabels } from "../daemon/format";
import { StatusToggle } from "../daemon/StatusToggle";
import { NextTicks, TickSummary } from "../daemon/Ticks";
import { href, Link } from "../router";
import type { AutomationInfo } from "../types";

function useAutomations(kind: AutomationKind) {
  const [items, setItems] = useState<AutomationInfo[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      all(daemonApi.automations(kind, abort.signal)).then(
        (list) => {
          setItems(list);
          setError(undefined);
        },
        (e) => !abort.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    // Ticks happen on the server's clock: read the list again now and then, so last ticks stay current.
    const timer = setInterval(() => document.visibilityState === "visible" && void load(), 10_000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [kind]);
  const replace = (next: AutomationInfo) => setItems((list) => list?.map((i) => (i.name === next.name && i.codeLocation === next.codeLocation ? next : i)));
  return { items, error, replace };
}

export function AutomationPage() {
  const schedules = useAutomations("schedules");
  const sensors = useAutomations("sensors");
  return (
    <div className="page automation-page">
      <h1>Schedules and sensors</h1>
      <section aria-labelledby="schedules-heading">
        <h2 id="schedules-heading">Schedules</h2>
        {schedules.error && <p className="error" role="alert">Could not read the schedules: {schedules.error}</p>}
        {schedules.items && schedules.items.length === 0 && <p className="muted">No schedules.</p>}
        {schedules.items && schedules.items.length > 0 && (
          <table className="list" data-testid="schedules">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Status</th>
                <th>Cron</th>
                <th>Zone</th>
                <th>Next ticks</th>
                <th>Runs</th>
                <th>Last tick</th>
              </tr>
            </thead>
            <tbody>
              {schedules.items.map((s) => (
                <tr key={`${s.codeLocation}/${s.name}`} data-schedule={s.name} data-status={s.status}>
                  <td>
                    <Link to={href.schedule(s.name)} className="mono">
                      {s.name}
                    </Link>
                    {s.description && <div className="desc muted">{s.description}</div>}
                  </td>
                  <td>
                    <StatusToggle kind="schedules" info={s} onChange={schedules.replace} />
                  </td>
                  <td className="mono">{s.cron}</td>
                  <td className="zone">{s.timeZone}</td>
                  <td className="next-ticks">
                    <NextTicks info={s} count={3} />
                  </td>
                  <td>
                    <Target info={s} />
                  </td>
                  <td>{s.lastTick ? <TickSummary tick={s.lastTick} /> : <span className="muted">none yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="sensors-heading">
        <h2 id="sensors-heading">Sensors</h2>
        {sensors.error && <p className="error" role="alert">Could not read the sensors: {sensors.error}</p>}
        {sensors.items && sensors.items.length === 0 && <p className="muted">No sensors.</p>}
        {sensors.items && sensors.items.length > 0 && (
          <table className="list" data-testid="sensors">
            <thead>
              <tr>
                <th>Sensor</th>
                <th>Status</th>
                <th>Kind</th>
                <th>Interval</th>
                <th>Watches</th>
                <th>Runs</th>
                <th>Last tick</th>
              </tr>
            </thead>
            <tbody>
              {sensors.items.map((s) => (
                <tr key={`${s.codeLocation}/${s.name}`} data-sensor={s.name} data-status={s.status}>
                  <td>
                    <Link to={href.sensor(s.name)} className="mono">
                      {s.name}
                    </Link>
                    {s.description && <div className="desc muted">{s.description}</div>}
                  </td>
                  <td>
                    <StatusToggle kind="sensors" info={s} onChange={sensors.replace} />
                  </td>
                  <td className="kind-cell">{s.sensorKind ? sensorKindLabels[s.sensorKind] ?? s.sensorKind : ""}</td>
                  <td className="interval">{s.sensorKind === "function" || !s.sensorKind ? formatInterval(s.interval) : <span className="muted">on events</span>}</td>
                  <td className="watches">
                    {(s.assets ?? []).map((a, i) => (
                      <span key={a}>
                        {i > 0 && ", "}
                        <Link to={href.asset(a)} className="mono">
                          {a}
                        </Link>
                      </span>
                    ))}
                  </td>
                  <td>
                    <Target info={s} />
                  </td>
                  <td>{s.lastTick ? <TickSummary tick={s.lastTick} /> : <span className="muted">none yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** What it runs: a job (linked) or a selection. */
export function Target({ info }: { info: AutomationInfo }) {
  if (info.job)
    return (
      <Link to={href.job(info.job)} className="mono">
        {info.job}
      </Link>
    );
  return <span className="mono">{info.selection}</span>;
}
