import { useEffect, useState } from "react";
import { api, ApiError } from "../api";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";
import { href, Link } from "../router";
import type { CodeLocation, Silo } from "../types";

const refreshMs = 5000;

/** Code locations and silos as the cluster's membership sees them, read again every few seconds. */
export function DeploymentPage() {
  const [locations, setLocations] = useState<CodeLocation[]>();
  const [silos, setSilos] = useState<Silo[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      Promise.all([api.codeLocations(abort.signal), api.silos(abort.signal)]).then(
        ([l, s]) => {
          setLocations(l.items);
          setSilos(s.items);
          setError(undefined);
        },
        (e) => {
          if (!abort.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
        },
      );
    void load();
    const timer = setInterval(() => void load(), refreshMs);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, []);

  const order: Record<string, number> = { active: 0, joining: 1, shuttingDown: 2, dead: 3 };
  return (
    <div className="page deployment">
      <div className="page-head">
        <h1>Deployment</h1>
        <div className="spacer" />
        <a href="/orleans" className="button">
          Open the silo dashboard
        </a>
      </div>
      {error && <p className="error" role="alert">Could not read the deployment: {error}</p>}
      <section aria-labelledby="locations-heading">
        <h2 id="locations-heading">Code locations</h2>
        {locations && locations.length === 0 && <p className="muted">No code location is loaded.</p>}
        {locations && locations.length > 0 && (
          <table className="list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Assembly</th>
                <th>Version</th>
                <th>Assets</th>
                <th>Silos</th>
              </tr>
            </thead>
            <tbody>
              {locations.map((l) => (
                <tr key={l.name} data-code-location={l.name}>
                  <td>
                    <strong>{l.name}</strong>
                  </td>
                  <td className="mono small">{l.assembly}</td>
                  <td>{l.version}</td>
                  <td>
                    <Link to={`${href.catalog()}?location=${encodeURIComponent(l.name)}`}>{l.assetCount}</Link>
                  </td>
                  <td className="mono small">{l.silos && l.silos.length > 0 ? l.silos.join(", ") : <span className="warn">no live silo loads it</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="silos-heading">
        <h2 id="silos-heading">Silos</h2>
        {silos && (
          <table className="list">
            <thead>
              <tr>
                <th>Address</th>
                <th>Name</th>
                <th>Host</th>
                <th>Status</th>
                <th>Code locations</th>
                <th>Started</th>
                <th>Gateway</th>
              </tr>
            </thead>
            <tbody>
              {[...silos]
                .sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9) || a.address.localeCompare(b.address))
                .map((s) => (
                  <tr key={s.address + (s.startedAt ?? "")} className={s.status === "dead" ? "dead" : undefined} data-silo={s.address} data-status={s.status}>
                    <td className="mono">{s.address}</td>
                    <td>{s.name}</td>
                    <td>{s.hostName}</td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>{s.codeLocations?.join(", ")}</td>
                    <td>{formatDateTime(s.startedAt)}</td>
                    <td className="mono small">{typeof s.gateway === "string" ? s.gateway : s.gateway ? "yes" : ""}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
