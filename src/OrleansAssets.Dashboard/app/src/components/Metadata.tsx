import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";
import { formatNumber } from "../format";
import type { MetadataEntry, TableValue } from "../types";

/** A materialization's metadata in the user's order, each value drawn by its kind. */
export function MetadataTable({ metadata }: { metadata?: Record<string, MetadataEntry> }) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return <p className="muted">No metadata.</p>;
  return (
    <table className="metadata" aria-label="Metadata">
      <tbody>
        {entries.map(([name, entry]) => (
          <tr key={name} data-metadata={name} data-kind={entry.type}>
            <th scope="row">
              {name} <span className="kind">{entry.type}</span>
            </th>
            <td>
              <MetadataValueView entry={entry} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MetadataValueView({ entry }: { entry: MetadataEntry }) {
  switch (entry.type) {
    case "int":
    case "float": {
      const value: unknown = entry.value;
      return <span className="num">{typeof value === "number" ? formatNumber(value) : String(value)}</span>;
    }
    case "bool":
      return <span>{entry.value ? "true" : "false"}</span>;
    case "text":
      return <span className="text">{entry.value}</span>;
    case "markdown":
      return <Markdown text={entry.value} />;
    case "path":
      return (
        <span className="path">
          <a href={fileUrl(entry.value)} title="A path on the silo's file system">
            {entry.value}
          </a>{" "}
          <button className="link small" onClick={() => void navigator.clipboard?.writeText(entry.value)} aria-label={`Copy ${entry.value}`}>
            copy
          </button>
        </span>
      );
    case "url":
      return safeUrl(entry.value) ? (
        <a href={entry.value} target="_blank" rel="noopener noreferrer">
          {entry.value}
        </a>
      ) : (
        <span>{entry.value}</span>
      );
    case "json":
      return <pre className="json">{JSON.stringify(entry.value, null, 2)}</pre>;
    case "table":
      return <DataTable table={entry.value} />;
    default:
      return <span>{JSON.stringify((entry as unknown as { value: unknown }).value)}</span>;
  }
}

/** Markdown as HTML (tables included), sanitised: user text never runs script in the dashboard. */
export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true }) as string), [text]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function DataTable({ table }: { table: TableValue }) {
  const columns = table?.columns ?? [];
  const rows = table?.rows ?? [];
  return (
    <div className="data-table">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.name} title={c.type}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j} className={typeof cell === "number" ? "num" : undefined}>
                  {cell === null || cell === undefined ? "" : typeof cell === "object" ? JSON.stringify(cell) : String(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {table?.totalRows !== undefined && table.totalRows > rows.length && (
        <p className="muted">
          {rows.length} of {table.totalRows} rows
        </p>
      )}
    </div>
  );
}

function fileUrl(path: string): string {
  return "file://" + (path.startsWith("/") ? "" : "/") + path.split("/").map(encodeURIComponent).join("/");
}

function safeUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

/** The numeric metadata of a series of materializations: name → points (time, value), oldest first. */
export function numericSeries(history: { timestamp: string; metadata?: Record<string, MetadataEntry> }[]): Map<string, [number, number][]> {
  const series = new Map<string, [number, number][]>();
  const ordered = [...history].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  for (const m of ordered) {
    for (const [name, entry] of Object.entries(m.metadata ?? {})) {
      if (entry.type !== "int" && entry.type !== "float") continue;
      const value = typeof entry.value === "number" ? entry.value : Number(entry.value);
      if (!Number.isFinite(value)) continue;
      let points = series.get(name);
      if (!points) series.set(name, (points = []));
      points.push([Date.parse(m.timestamp) / 1000, value]);
    }
  }
  return series;
}
