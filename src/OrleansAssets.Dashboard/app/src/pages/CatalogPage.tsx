import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError } from "../api";
import { StatusBadge } from "../components/StatusBadge";
import { formatNumber, formatTime, plural } from "../format";
import { assets, stream, useAssetState, useAssetsVersion } from "../live";
import { href, Link, useSearchParams } from "../router";
import type { AssetStatus, AssetSummary } from "../types";
import { assetStatuses } from "../types";
import { KindBadges, MultiAssetMark } from "../lineage/badges";
import "./catalog.css";

/** The catalog, read page by page (1,000 a page) and filtered here, so typing in the search box costs no request. */
export function CatalogPage() {
  const [rows, setRows] = useState<AssetSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const group = params.get("group") ?? "";
  const location = params.get("location") ?? "";
  const status = (params.get("status") ?? "") as AssetStatus | "";
  const kind = params.get("kind") ?? "";
  const owner = params.get("owner") ?? "";

  useEffect(() => {
    const abort = new AbortController();
    const load = async () => {
      await stream.ready();
      const started = performance.now();
      const all: AssetSummary[] = [];
      setLoading(true);
      try {
        for await (const page of api.assets(abort.signal)) {
          all.push(...page);
          assets.load(page, started);
          setRows([...all]);
        }
        assets.addEdges(all.flatMap((a) => (a.dependencies ?? []).map((d) => ({ from: d, to: a.key }))));
      } catch (e) {
        if (!abort.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
      } finally {
        if (!abort.signal.aborted) setLoading(false);
      }
    };
    void load();
    const stop = stream.listen({ reconnected: () => void load() });
    return () => {
      abort.abort();
      stop();
    };
  }, []);

  const groups = useMemo(() => [...new Set(rows.map((r) => r.group ?? ""))].sort(), [rows]);
  const locations = useMemo(() => [...new Set(rows.map((r) => r.codeLocation ?? ""))].sort(), [rows]);
  // The kinds and owners present, so each choice lists something; one from the address that no asset has stays choosable.
  const kinds = useMemo(() => distinct(rows.flatMap((r) => r.kinds ?? []), kind), [rows, kind]);
  const owners = useMemo(() => distinct(rows.flatMap((r) => r.owners ?? []), owner), [rows, owner]);
  // A status filter follows live changes, so it recounts when any asset changes.
  const version = useAssetsVersion();
  const filtered = useMemo(() => {
    void version;
    const needle = search.trim().toLowerCase();
    return rows.filter(
      (r) =>
        (!needle || r.key.toLowerCase().includes(needle) || (r.description ?? "").toLowerCase().includes(needle)) &&
        (!group || (r.group ?? "") === group) &&
        (!location || (r.codeLocation ?? "") === location) &&
        (!kind || (r.kinds ?? []).includes(kind)) &&
        (!owner || (r.owners ?? []).includes(owner)) &&
        (!status || (assets.get(r.key)?.status ?? r.status) === status),
    );
  }, [rows, search, group, location, kind, owner, status, status ? version : 0]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: filtered.length, getScrollElement: () => scroller.current, estimateSize: () => 36, overscan: 12 });

  return (
    <div className="page catalog">
      <h1>Assets</h1>
      <div className="filters" role="search">
        <input type="search" placeholder="Search keys and descriptions" aria-label="Search assets" value={search} onChange={(e) => setParams({ q: e.target.value })} />
        <label>
          Group{" "}
          <select value={group} onChange={(e) => setParams({ group: e.target.value })} aria-label="Filter by group">
            <option value="">all</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {g || "(none)"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Code location{" "}
          <select value={location} onChange={(e) => setParams({ location: e.target.value })} aria-label="Filter by code location">
            <option value="">all</option>
            {locations.map((l) => (
              <option key={l} value={l}>
                {l || "(none)"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setParams({ status: e.target.value })} aria-label="Filter by status">
            <option value="">all</option>
            {assetStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{" "}
          <select value={kind} onChange={(e) => setParams({ kind: e.target.value })} aria-label="Filter by kind">
            <option value="">all</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Owner{" "}
          <select value={owner} onChange={(e) => setParams({ owner: e.target.value })} aria-label="Filter by owner">
            <option value="">all</option>
            {owners.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <span className="count" aria-live="polite" data-testid="catalog-count">
          {filtered.length === rows.length ? plural(rows.length, "asset") : `${formatNumber(filtered.length)} of ${plural(rows.length, "asset")}`}
          {loading ? " (reading…)" : ""}
        </span>
      </div>
      {error && <p className="error" role="alert">Could not read the assets: {error}</p>}
      <div className="vtable" role="table" aria-label="Assets" aria-rowcount={filtered.length + 1}>
        <div className="vrow vhead catalog-cols" role="row">
          <span role="columnheader">Key</span>
          <span role="columnheader">Group</span>
          <span role="columnheader">Code location</span>
          <span role="columnheader">Kinds</span>
          <span role="columnheader">Owners</span>
          <span role="columnheader">Status</span>
          <span role="columnheader">Last materialized</span>
        </div>
        <div className="vbody" ref={scroller} data-testid="catalog-scroller">
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = filtered[item.index]!;
              return <CatalogRow key={row.key} row={row} index={item.index} top={item.start} />;
            })}
          </div>
        </div>
      </div>
    </div>
  );
}

function CatalogRow({ row, index, top }: { row: AssetSummary; index: number; top: number }) {
  const state = useAssetState(row.key);
  const status = state?.status ?? row.status;
  const time = state?.lastMaterializedAt ?? row.lastMaterializedAt;
  return (
    <div className="vrow catalog-cols" role="row" aria-rowindex={index + 2} style={{ position: "absolute", top, left: 0, right: 0, height: 36 }} data-asset-key={row.key}>
      <span role="cell" className="key-cell">
        <Link to={href.asset(row.key)}>{row.key}</Link>
        {row.description && <span className="muted desc"> {row.description}</span>}
      </span>
      <span role="cell">{row.group}</span>
      <span role="cell">{row.codeLocation}</span>
      <span role="cell" className="kinds-cell">
        {row.isExternal && (
          <span className="external-badge" data-testid="external-badge" title="External: produced outside OrleansAssets and reported (oa report), never materialized by a run">
            external
          </span>
        )}
        <KindBadges kinds={row.kinds} />
        <MultiAssetMark multiAsset={row.multiAsset} />
      </span>
      <span role="cell" className="owners-cell" title={row.owners?.join(", ")}>
        {row.owners?.join(", ")}
      </span>
      <span role="cell">
        <StatusBadge
          status={status}
          title={status === "stale" ? row.staleReasons?.filter((r) => r.kind !== "neverMaterialized").map((r) => r.message).join("\n") || undefined : undefined}
        />
      </span>
      <span role="cell">{time ? <time dateTime={time}>{formatTime(time)}</time> : <span className="muted">–</span>}</span>
    </div>
  );
}

function distinct(values: string[], keep: string): string[] {
  const set = new Set(values);
  if (keep) set.add(keep);
  return [...set].sort((a, b) => a.localeCompare(b));
}
