// The lineage page's selection box: a selection in our Dagster grammar, resolved by the API (GET
// /api/v1/lineage?select=...; the one parser is the server's), drawn as highlighted and dimmed nodes. The page keeps
// its layout: a selection changes classes on the nodes and edges, never positions, so it costs no layout at 10,000
// assets unless it expands a few collapsed groups to show what it selected.
import { useEffect, useState } from "react";
import { api, ApiError } from "../api";
import { groupNodeId, isGroupNodeId, type GraphModel } from "./model";

/** What a selection picked: its keys, and how many of them each group holds (for collapsed groups). */
export interface Highlight {
  text: string;
  keys: ReadonlySet<string>;
  groups: ReadonlyMap<string, number>;
  /** From asking the API to having the answer in hand (shown on hover; the browser tests print it). */
  ms: number;
}

/**
 * Resolves the selection with the API whenever it changes. A selection the API refuses leaves the last good
 * highlight in place (the graph stays as it was) and gives the API's message, which names the term and position.
 * A new `attempt` asks again for the same text (Enter on it once more: the address does not change, so nothing else would).
 */
export function useSelectionHighlight(select: string, model: GraphModel, attempt: number) {
  const [highlight, setHighlight] = useState<Highlight>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const text = select.trim();
    if (!text) {
      setHighlight(undefined);
      setError(undefined);
      setBusy(false);
      return;
    }
    const abort = new AbortController();
    setBusy(true);
    const started = performance.now();
    api.lineage(abort.signal, text).then(
      (result) => {
        // Keys the page's graph does not have (a code location loaded since) cannot be drawn, so they are not counted.
        const keys = new Set<string>();
        const groups = new Map<string, number>();
        for (const node of result.nodes) {
          const group = model.groupOf.get(node.key);
          if (group === undefined) continue;
          keys.add(node.key);
          groups.set(group, (groups.get(group) ?? 0) + 1);
        }
        setHighlight({ text, keys, groups, ms: performance.now() - started });
        setError(undefined);
        setBusy(false);
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof ApiError ? e.message : String(e));
        setBusy(false);
      },
    );
    return () => abort.abort();
  }, [select, model, attempt]);
  return { highlight, error, busy };
}

/** The collapsed groups to open so a selection's assets are drawn, when they are few enough to lay out at once. */
export function groupsToReveal(highlight: Highlight, model: GraphModel, expanded: ReadonlySet<string>, budget: number): string[] | undefined {
  const closed = [...highlight.groups.keys()].filter((g) => !expanded.has(g));
  if (closed.length === 0) return undefined;
  const assets = closed.reduce((n, g) => n + (model.groups.get(g)?.keys.length ?? 0), 0);
  return assets <= budget ? closed : undefined;
}

/** The ids drawn for a selection's assets: each asset of an open group, else its group's box. */
export function visibleHits(highlight: Highlight, model: GraphModel, expanded: ReadonlySet<string>): string[] {
  const ids = new Set<string>();
  for (const key of highlight.keys) {
    const group = model.groupOf.get(key)!;
    ids.add(expanded.has(group) ? key : groupNodeId(group));
  }
  return [...ids];
}

/** Whether a drawn node (an asset, or a group's box) holds something the selection picked. */
export function isHit(id: string, highlight: Highlight): boolean {
  return isGroupNodeId(id) ? (highlight.groups.get(id.slice("group:".length)) ?? 0) > 0 : highlight.keys.has(id);
}
