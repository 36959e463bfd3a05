import { useEffect, useMemo, useState } from "react";
import { api, ApiError } from "../api";
import { MaterializeButtons } from "../components/Materialize";
import { MetadataTable, numericSeries } from "../components/Metadata";
import { MetadataPlot } from "../components/Plot";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime, formatDuration, shortId } from "../format";
import { assets, stream, useAssetState } from "../live";
import { href, Link } from "../router";
import type { AssetDetails, Materialization, RetryPolicy } from "../types";

const historyPageSize = 100;

export function AssetPage({ assetKey }: { assetKey: string }) {
  const [details, setDetails] = useState<AssetDetails>();
  const [history, setHistory] = useState<Materialization[]>([]);
  const [next, setNext] = useState<string | null>();
  const [error, setError] = useState<{ status: number; message: string }>();
  const live = useAssetState(assetKey);
  // Read again when the asset's own state settles (a new materialization or failure), not on every event.
  const settled = live && live.status !== "materializing" ? `${live.status}:${live.lastRunId ?? ""}:${live.lastMaterializedAt ?? ""}` : "";
  const [reconnects, setReconnects] = useState(0);
  useEffect(() => stream.listen({ reconnected: () => setReconnects((n) => n + 1) }), []);

  useEffect(() => {
    const abort = new AbortController();
    let started = 0;
    stream
      .ready()
      .then(() => {
        started = performance.now();
        return Promise.all([api.asset(assetKey, abort.signal), api.materializations(assetKey, historyPageSize, undefined, abort.signal)]);
      })
      .then(
      ([asset, page]) => {
        setDetails(asset);
        setHistory(page.items);
        setNext(page.next);
        setError(undefined);
        assets.load(
          [{ key: asset.key, status: asset.status, lastMaterializedAt: asset.latestMaterialization?.timestamp, lastRunId: asset.latestMaterialization?.runId }],
          started,
        );
        if (asset.dependents) assets.addEdges(mergeEdges(asset));
      },
      (e) => {
        if (!abort.signal.aborted) setError({ status: e instanceof ApiError ? e.status : 0, message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => abort.abort();
  }, [assetKey, settled, reconnects]);

  const more = async () => {
    if (!next) return;
    const page = await api.materializations(assetKey, historyPageSize, next);
    setHistory((h) => [...h, ...page.items]);
    setNext(page.next);
  };

  const series = useMemo(() => numericSeries(history), [history]);

  if (error)
    return (
      <div className="page">
        <h1 className="asset-title">{assetKey}</h1>
        <p className="error" role="alert">
          {error.status === 404 ? `There is no asset '${assetKey}'.` : `Could not read the asset: ${error.message}`}
        </p>
        <Link to={href.catalog()}>All assets</Link>
      </div>
    );
  if (!details)
    return (
      <div className="page">
        <h1 className="asset-title">{assetKey}</h1>
        <p className="muted">Reading…</p>
      </div>
    );

  const status = live?.status ?? details.status;
  const latest = details.latestMaterialization;
  // "never materialized" is what the badge says already; the list tells why a materialized asset is behind.
  const staleReasons = (details.staleReasons ?? []).filter((r) => r.kind !== "neverMaterialized");
  return (
    <div className="page asset-page">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to={href.catalog()}>Assets</Link> / {details.codeLocation} / {details.group}
          </p>
          <h1 className="asset-title">{details.key}</h1>
        </div>
        <StatusBadge status={status} />
        {details.external && (
          <span className="external-badge" data-testid="external-badge">
            external
          </span>
        )}
        <div className="spacer" />
        {/* No run materializes an external asset: offering one would only earn an error. */}
        {!details.external && (
          <MaterializeButtons
            choices={[
              { label: "Materialize", selection: details.key },
              { label: "Materialize with upstream", selection: `*${details.key}` },
            ]}
          />
        )}
      </div>
      {details.description && <p className="description">{details.description}</p>}
      {details.external && (
        <div className="notice external" data-testid="external-notice">
          <strong>External asset</strong>: produced outside OrleansAssets and never materialized by a run. Report a materialization when
          its producer has made one: <code>oa report {details.key} --metadata name=value</code> (or <code>POST /api/v1/materializations</code>).
        </div>
      )}
      {status === "stale" && staleReasons.length > 0 && (
        <div className="notice stale" data-testid="stale-reasons">
          Stale:
          <ul className="stale-reasons">
            {staleReasons.map((r) => (
              <li key={r.message} data-kind={r.kind}>
                {r.upstream ? (
                  <>
                    {r.message.slice(0, r.message.length - r.upstream.length)}
                    <Link to={href.asset(r.upstream)}>{r.upstream}</Link>
                  </>
                ) : (
                  r.message
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {details.lastFailure && status === "failed" && (
        <div className="notice failed">
          <strong>Failed</strong> in run <Link to={href.run(details.lastFailure.runId)}>{shortId(details.lastFailure.runId)}</Link> at{" "}
          {formatDateTime(details.lastFailure.timestamp)}: {details.lastFailure.error?.type} {details.lastFailure.error?.message}
          {details.lastFailure.error?.stackTrace && (
            <details>
              <summary>stack trace</summary>
              <pre>{details.lastFailure.error.stackTrace}</pre>
            </details>
          )}
        </div>
      )}

      <div className="facts">
        <Fact label="Depends on">
          <KeyLinks keys={details.dependencies} />
        </Fact>
        <Fact label="Used by">
          <KeyLinks keys={details.dependents} />
        </Fact>
        <Fact label="Code location">{details.codeLocation}</Fact>
        <Fact label="Code version">
          {details.codeVersion ?? <span className="muted">none</span>}
          {latest && latest.codeVersion !== details.codeVersion && (
            <span className="muted"> (latest materialization: {latest.codeVersion ?? "none"})</span>
          )}
        </Fact>
        <Fact label="Retry">
          <span data-testid="retry-policy">{details.retry ? describeRetry(details.retry) : <span className="muted">none: a failure of its code fails the step</span>}</span>
        </Fact>
        <Fact label="Group">{details.group}</Fact>
        <Fact label="Owners">{details.owners && details.owners.length > 0 ? details.owners.join(", ") : <span className="muted">none</span>}</Fact>
        <Fact label="Tags">
          {details.tags && Object.keys(details.tags).length > 0 ? (
            Object.entries(details.tags).map(([k, v]) => (
              <span key={k} className="tag">
                {k}
                {v ? `=${v}` : ""}
              </span>
            ))
          ) : (
            <span className="muted">none</span>
          )}
        </Fact>
      </div>

      <section aria-labelledby="latest-heading">
        <h2 id="latest-heading">Latest materialization</h2>
        {latest ? (
          <>
            <p className="muted">
              {formatDateTime(latest.timestamp)}{" "}
              {latest.reported ? (
                <span data-testid="reported">reported (report {shortId(latest.runId)})</span>
              ) : (
                <>
                  in run <Link to={href.run(latest.runId)}>{shortId(latest.runId)}</Link>
                </>
              )}
              {latest.durationMs !== undefined && !latest.reported && `, took ${formatDuration(latest.durationMs)}`}
              {latest.dataVersion && `, data version ${latest.dataVersion.slice(0, 12)}`}
              {latest.codeVersion && `, code version ${latest.codeVersion}`}
              {latest.attempt !== undefined && latest.attempt > 1 && <span data-testid="latest-attempt">, on attempt {latest.attempt}</span>}
            </p>
            <MetadataTable metadata={latest.metadata} />
          </>
        ) : (
          <p className="muted">Never materialized.</p>
        )}
      </section>

      {series.size > 0 && (
        <section aria-labelledby="plots-heading">
          <h2 id="plots-heading">Numeric metadata over time</h2>
          <div className="plots">
            {[...series].map(([name, points]) => (
              <MetadataPlot key={name} name={name} points={points} />
            ))}
          </div>
        </section>
      )}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {history.length === 0 ? (
          <p className="muted">No materializations yet.</p>
        ) : (
          <table className="list history">
            <thead>
              <tr>
                <th>When</th>
                <th>Run</th>
                <th>Duration</th>
                <th>Attempt</th>
                <th>Data version</th>
                <th>Metadata</th>
              </tr>
            </thead>
            <tbody>
              {history.map((m) => (
                <tr key={`${m.runId}-${m.timestamp}`}>
                  <td>{formatDateTime(m.timestamp)}</td>
                  <td>{m.reported ? <span title={`report ${m.runId}`}>reported</span> : <Link to={href.run(m.runId)}>{shortId(m.runId)}</Link>}</td>
                  <td>{formatDuration(m.durationMs)}</td>
                  <td>{m.attempt}</td>
                  <td className="mono">{m.dataVersion?.slice(0, 12)}</td>
                  <td className="summary">{summary(m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next && (
          <button onClick={() => void more()} className="more">
            Older materializations
          </button>
        )}
      </section>
    </div>
  );
}

function mergeEdges(asset: AssetDetails) {
  return [
    ...(asset.dependencies ?? []).map((d) => ({ from: d, to: asset.key })),
    ...(asset.dependents ?? []).map((d) => ({ from: asset.key, to: d })),
  ];
}

function summary(m: Materialization): string {
  return Object.entries(m.metadata ?? {})
    .filter(([, e]) => e.type === "int" || e.type === "float" || e.type === "text" || e.type === "bool")
    .slice(0, 4)
    .map(([n, e]) => `${n}=${String(e.value)}`)
    .join(", ");
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="fact">
      <div className="fact-label">{label}</div>
      <div className="fact-value">{children}</div>
    </div>
  );
}

function KeyLinks({ keys }: { keys?: string[] }) {
  if (!keys || keys.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="key-links">
      {keys.map((k) => (
        <li key={k}>
          <Link to={href.asset(k)}>{k}</Link>
        </li>
      ))}
    </ul>
  );
}

/** A retry policy in a line: attempts, backoff from its first delay, jitter, what is never retried. */
function describeRetry(retry: RetryPolicy): string {
  const parts = [`up to ${retry.maxAttempts} attempts`, `${retry.exponential ? "exponential" : "fixed"} backoff from ${formatDuration(retry.delayMs)}`];
  if (retry.jitter) parts.push(`jitter ${Math.round(retry.jitter * 100)}%`);
  if (retry.neverRetry && retry.neverRetry.length > 0) parts.push(`never for ${retry.neverRetry.join(", ")}`);
  return parts.join(", ");
}
