import {
  Background,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { createContext, lazy, memo, Suspense, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { api, ApiError } from "../api";
import { MaterializeButtons, selectionFor } from "../components/Materialize";
import { formatTime, plural } from "../format";
import { assets, stream, useAssetState } from "../live";
import { href, Link, navigate, useSearchParams } from "../router";
import type { AssetStatus, Lineage } from "../types";
import { assetStatuses } from "../types";
import type { LayoutResult } from "./layout";
import { assetSize } from "./sizes";
import { LayoutClient } from "./layoutClient";
import { buildModel, groupNodeId, isGroupNodeId, visibleEdges, type AssetGroup, type GraphModel } from "./model";
import { NodeBadges, type BadgeData } from "./badges";
import { groupsToReveal, isHit, useSelectionHighlight, visibleHits, type Highlight } from "./selection";
import "./selection.css";

// The box comes after the graph, in its own chunk; the selection in the address is applied without waiting for it.
const SelectionBar = lazy(() => import("./SelectionBar"));

/** Above this many assets the graph opens with every group collapsed. */
export const collapseThreshold = 300;

type AssetNodeData = { key: string; fallback: AssetStatus; fallbackTime?: string; staleReasons?: string[]; external?: boolean };
type GroupNodeData = { groupId: string; expanded: boolean };
type AssetNode = Node<AssetNodeData & BadgeData, "asset">;
type GroupNode = Node<GroupNodeData, "assetGroup">;
type GraphNode = AssetNode | GroupNode;

interface GraphActions {
  model: GraphModel;
  toggle(groupId: string): void;
  /** The selection box's, for the group boxes' "N selected" (asset nodes get their look from the wrapper's class). */
  highlight?: Highlight;
}
const GraphContext = createContext<GraphActions | null>(null);

/** What the user expanded stays expanded when they come back to the page. */
let rememberedExpanded: Set<string> | undefined;

export function LineagePage() {
  const [lineage, setLineage] = useState<Lineage>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    const load = async () => {
      await stream.ready();
      const started = performance.now();
      try {
        const result = await api.lineage(abort.signal);
        assets.addEdges(result.edges);
        assets.load(result.nodes, started);
        setLineage((current) => current ?? result);
      } catch (e) {
        if (!abort.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
      }
    };
    void load();
    // The stream could not resume (the gateway restarted, say): read the states again; the layout stays as it is.
    const stop = stream.listen({ reconnected: () => void load() });
    return () => {
      abort.abort();
      stop();
    };
  }, []);

  if (error) return <div className="page"><p className="error" role="alert">Could not read the lineage: {error}</p></div>;
  if (!lineage) return <div className="page"><p className="muted">Reading the lineage…</p></div>;
  if (lineage.nodes.length === 0)
    return (
      <div className="page">
        <h1>Lineage</h1>
        <p>No assets: no code location is loaded. See <Link to={href.deployment()}>Deployment</Link>.</p>
      </div>
    );
  return (
    <ReactFlowProvider>
      <LineageGraph lineage={lineage} />
    </ReactFlowProvider>
  );
}

function LineageGraph({ lineage }: { lineage: Lineage }) {
  const model = useMemo(() => buildModel(lineage), [lineage]);
  const layouter = useMemo(
    () => new LayoutClient({ groups: [...model.groups.values()].map((g) => ({ id: g.id, keys: g.keys })), edges: model.edges.map((e) => [e.from, e.to]) }),
    [model],
  );
  useEffect(() => () => layouter.dispose(), [layouter]);

  const [expanded, setExpanded] = useState<Set<string>>(
    () => rememberedExpanded ?? (model.nodes.size > collapseThreshold ? new Set() : new Set(model.groups.keys())),
  );
  useEffect(() => {
    rememberedExpanded = expanded;
  }, [expanded]);

  const [layout, setLayout] = useState<{ result: LayoutResult; expanded: Set<string> }>();
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [focus, setFocus] = useState<string>();
  const flow = useReactFlow();

  // Nodes are ours alone: sized by the layout, placed by it, selected by our clicks. React Flow's own changes (the
  // sizes it measures) are not fed back, which at 10,000 nodes would copy them all for every batch it measures.
  const [nodes, setNodes] = useState<GraphNode[]>([]);
  /** How many layouts this page made (in the page for tests: live updates must not add any). */
  const layoutCount = useRef(0);
  /** When the last layout arrived, and how long it then took to draw (to the next frame), for the toolbar. */
  const drawStarted = useRef(0);
  const [drawMs, setDrawMs] = useState<number>();
  useEffect(() => {
    let current = true;
    void layouter.layout([...expanded]).then((result) => {
      if (!current) return;
      // The layout and the nodes drawn from it change in one render, so nothing acts on one without the other.
      layoutCount.current++;
      drawStarted.current = performance.now();
      setLayout({ result, expanded });
      setNodes(buildNodes(model, result, expanded));
    });
    return () => {
      current = false;
    };
  }, [layouter, model, expanded]);

  // The selection box's selection (`?select=`, with `&only=1` to hide the rest), resolved by the API.
  const [params, setParams] = useSearchParams();
  const select = params.get("select") ?? "";
  const only = params.get("only") === "1";
  const [attempt, setAttempt] = useState(0);
  const { highlight, error: selectionError, busy: selecting } = useSelectionHighlight(select, model, attempt);
  const shownHighlight = select ? highlight : undefined;

  // Selection is ours (click, Ctrl/Shift-click), drawn on the nodes without touching their layout; so is the
  // selection box's highlight, as a class on each node's wrapper (one object per node and look, kept while it holds).
  const decorated = useRef(new WeakMap<GraphNode, { look: string; node: GraphNode }>());
  const shown = useMemo(
    () =>
      nodes.map((n) => {
        const isSelected = selected.has(n.id);
        const mark = shownHighlight ? highlightClass(n, shownHighlight) : "";
        const hidden = only && mark === "hl-dim";
        if (!mark && isSelected === !!n.selected) return n;
        const look = `${isSelected}|${mark}|${hidden}`;
        const kept = decorated.current.get(n);
        if (kept?.look === look) return kept.node;
        const node = { ...n, selected: isSelected, className: [n.className, mark].filter(Boolean).join(" ") || undefined, hidden } as GraphNode;
        decorated.current.set(n, { look, node });
        return node;
      }),
    [nodes, selected, shownHighlight, only],
  );
  const edges = useMemo<Edge[]>(
    () =>
      layout
        ? visibleEdges(model, layout.expanded).map((e) => {
            const dim = !!shownHighlight && !(isHit(e.source, shownHighlight) && isHit(e.target, shownHighlight));
            return { ...e, markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 }, className: dim ? "hl-dim" : undefined, hidden: dim && only };
          })
        : [],
    [model, layout, shownHighlight, only],
  );

  // A new selection opens the collapsed groups holding it when they are few enough to lay out at once (the layout
  // of a few hundred assets is a fraction of a second); a larger one highlights the group boxes instead.
  const [fitTo, setFitTo] = useState<Highlight>();
  useEffect(() => {
    if (!highlight) return;
    setExpanded((current) => {
      const reveal = groupsToReveal(highlight, model, current, collapseThreshold);
      return reveal ? new Set([...current, ...reveal]) : current;
    });
    setFitTo(highlight);
  }, [highlight, model]);
  useEffect(() => {
    if (!fitTo || !layout || layout.expanded !== expanded || nodes.length === 0) return;
    const frame = requestAnimationFrame(() => {
      const ids = visibleHits(fitTo, model, expanded);
      if (ids.length > 0) void flow.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.2, maxZoom: 1.2, duration: 300 });
      setFitTo(undefined);
    });
    return () => cancelAnimationFrame(frame);
  }, [fitTo, layout, expanded, nodes, model, flow]);


  const toggle = useCallback((groupId: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(groupId)) next.delete(groupId);
      else next.add(groupId);
      return next;
    });
    setFocus(groupNodeId(groupId));
  }, []);

  // After a layout, bring the thing the user acted on into view; the first layout shows it all.
  const firstFit = useRef(true);
  const interactiveMarked = useRef(false);
  useEffect(() => {
    // Wait for the layout of what is expanded now: a focus on a group that is still being laid out would aim at its old box.
    if (!layout || nodes.length === 0 || layout.expanded !== expanded) return;
    const frame = requestAnimationFrame(() => {
      if (firstFit.current) {
        firstFit.current = false;
        // A big graph fitted whole is too small to read or click: start at its roots (the leftmost boxes) instead.
        const top = nodes.filter((n) => !n.parentId);
        const start = top.length > 24 ? [...top].sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y).slice(0, 12) : undefined;
        void flow.fitView({ padding: 0.1, maxZoom: 1.2, nodes: start?.map((n) => ({ id: n.id })) });
      } else if (focus) {
        void flow.fitView({ nodes: [{ id: focus }], padding: 0.4, maxZoom: 1.2, duration: 300 });
        setFocus(undefined);
      }
      if (drawStarted.current) {
        setDrawMs(performance.now() - drawStarted.current);
        drawStarted.current = 0;
      }
      if (!interactiveMarked.current) {
        interactiveMarked.current = true;
        requestAnimationFrame(() => {
          performance.mark("oa-lineage-interactive");
          document.documentElement.dataset.lineage = "ready";
        });
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [layout, nodes, flow, focus, expanded]);

  // What is selected, as keys (for "with upstream/downstream", which our syntax applies to keys) and as the
  // shortest terms (a whole group whose name no other code location uses is `group:NAME`).
  const { selectedKeys, selectedTerms } = useMemo(() => {
    const keys: string[] = [];
    const terms: string[] = [];
    for (const id of selected) {
      const group = isGroupNodeId(id) ? model.groups.get(id.slice("group:".length)) : undefined;
      if (group) {
        keys.push(...group.keys);
        if (model.uniqueGroupNames.has(group.name)) terms.push(`group:${group.name}`);
        else terms.push(...group.keys);
      } else {
        keys.push(id);
        terms.push(id);
      }
    }
    return { selectedKeys: [...new Set(keys)], selectedTerms: [...new Set(terms)] };
  }, [selected, model]);

  const onNodeClick = useCallback((event: React.MouseEvent, node: GraphNode) => {
    if (node.type === "assetGroup" && node.data.expanded) return;
    const additive = event.ctrlKey || event.metaKey || event.shiftKey;
    setSelected((current) => {
      if (additive) {
        const next = new Set(current);
        if (next.has(node.id)) next.delete(node.id);
        else next.add(node.id);
        return next;
      }
      return current.size === 1 && current.has(node.id) ? new Set() : new Set([node.id]);
    });
  }, []);

  const reveal = (key: string) => {
    const group = model.groupOf.get(key);
    if (!group) return;
    setSelected(new Set([key]));
    if (!expanded.has(group)) setExpanded(new Set([...expanded, group]));
    setFocus(key);
    if (expanded.has(group)) void flow.fitView({ nodes: [{ id: key }], padding: 0.4, maxZoom: 1.2, duration: 300 });
  };

  const big = model.nodes.size > collapseThreshold;
  const actions = useMemo(() => ({ model, toggle, highlight: shownHighlight }), [model, toggle, shownHighlight]);
  const drawnAssets = layout ? Object.keys(layout.result.assets).length : 0;

  return (
    <GraphContext.Provider value={actions}>
      <div className="lineage">
        <aside className="lineage-side" aria-label="Asset groups">
          <Finder model={model} onPick={reveal} />
          <div className="side-actions">
            <button
              onClick={() => setExpanded(new Set(model.groups.keys()))}
              title={big ? `Lays out all ${plural(model.nodes.size, "asset")}: seconds at this size (the page stays usable meanwhile)` : undefined}
            >
              Expand all
            </button>
            <button onClick={() => setExpanded(new Set())}>Collapse all</button>
          </div>
          <GroupList model={model} expanded={expanded} onToggle={toggle} />
        </aside>
        <section className="lineage-main">
          <Suspense fallback={<div className="selection-bar" />}>
            <SelectionBar
              select={select}
              onSelect={(text) =>
                text === select ? setAttempt((n) => n + 1) : setParams({ select: text || undefined, only: text ? params.get("only") ?? undefined : undefined })
              }
              only={only}
              onOnly={(on) => setParams({ only: on ? "1" : undefined })}
              highlight={highlight}
              error={selectionError}
              busy={selecting}
            />
          </Suspense>
          <div className="lineage-toolbar">
            <span className="count" aria-live="polite">
              {selectedKeys.length === 0 ? `${plural(model.nodes.size, "asset")} in ${plural(model.groups.size, "group")}` : `${selectedKeys.length} selected`}
            </span>
            {selectedKeys.length > 0 ? (
              <>
                <MaterializeButtons
                  choices={[
                    { label: "Materialize selected", selection: selectedTerms.join(",") },
                    { label: "Materialize with upstream", selection: selectionFor(selectedKeys, "upstream") },
                    { label: "Materialize with downstream", selection: selectionFor(selectedKeys, "downstream") },
                  ]}
                />
                <button className="link" onClick={() => setSelected(new Set())}>
                  Clear selection
                </button>
              </>
            ) : (
              <MaterializeButtons
                choices={[
                  // The box's text as typed: the run resolves it as the highlight did. Not while the box shows an error,
                  // when the highlight drawn is an earlier selection's.
                  ...(shownHighlight && shownHighlight.keys.size > 0 && !selectionError
                    ? [{ label: "Materialize the selection", selection: shownHighlight.text, title: `Start a run of ${shownHighlight.text}` }]
                    : []),
                  { label: "Materialize all", selection: "*", title: "Start a run of every asset (*)" },
                ]}
              />
            )}
            <span className="hint">Click to select, Ctrl/Shift-click for more, double-click to open.</span>
            {layout && layout.expanded !== expanded && (
              <span className="hint busy" role="status">
                laying out {plural([...expanded].reduce((n, g) => n + (model.groups.get(g)?.keys.length ?? 0), 0), "asset")}…
              </span>
            )}
            {layout && (
              <span className="hint" title="Time the last layout took in the worker, and then to draw it">
                layout {layout.result.ms.toFixed(0)} ms{drawMs !== undefined ? `, drawn in ${drawMs.toFixed(0)} ms` : ""}
              </span>
            )}
          </div>
          <div
            className="lineage-canvas"
            data-testid="lineage-graph"
            data-layouts={layoutCount.current}
            data-highlighted={shownHighlight ? shownHighlight.keys.size : undefined}
          >
            <ReactFlow<GraphNode, Edge>
              nodes={shown}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodeClick={onNodeClick}
              onNodeDoubleClick={(_, node) => {
                if (node.type === "asset") navigate(href.asset(node.data.key));
                else toggle(node.data.groupId);
              }}
              onPaneClick={() => setSelected(new Set())}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable
              onlyRenderVisibleElements={big}
              minZoom={0.02}
              maxZoom={2}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={24} />
              <Controls showInteractive={false} />
              {drawnAssets < 2000 && <MiniMap position="top-right" pannable zoomable nodeClassName={(n) => (n.type === "asset" ? "mini-asset" : "mini-group")} />}
            </ReactFlow>
          </div>
        </section>
      </div>
    </GraphContext.Provider>
  );
}

/**
 * A drawn node's look under a selection: picked (an asset, or a collapsed group's box holding some), or dimmed. An
 * open group's box holding some is left as it is: its assets say which.
 */
function highlightClass(node: GraphNode, highlight: Highlight): string {
  if (!isHit(node.id, highlight)) return "hl-dim";
  return node.type === "assetGroup" && node.data.expanded ? "" : "hl-hit";
}

function buildNodes(model: GraphModel, layout: LayoutResult, expanded: ReadonlySet<string>): GraphNode[] {
  const nodes: GraphNode[] = [];
  for (const group of model.groups.values()) {
    const box = layout.groups[group.id];
    if (!box) continue;
    const open = expanded.has(group.id);
    nodes.push({
      id: groupNodeId(group.id),
      type: "assetGroup",
      position: { x: box.x, y: box.y },
      width: box.width,
      height: box.height,
      data: { groupId: group.id, expanded: open },
      selectable: !open,
      className: open ? "group-open" : "group-closed",
      zIndex: open ? -1 : 0,
    });
    if (!open) continue;
    for (const key of group.keys) {
      const at = layout.assets[key];
      if (!at) continue;
      const node = model.nodes.get(key)!;
      nodes.push({
        id: key,
        type: "asset",
        parentId: groupNodeId(group.id),
        position: at,
        width: assetSize.width,
        height: assetSize.height,
        data: {
          kinds: node.kinds,
          multiAsset: node.multiAsset,
          key,
          fallback: node.status,
          fallbackTime: node.lastMaterializedAt,
          staleReasons: node.staleReasons?.filter((r) => r.kind !== "neverMaterialized").map((r) => r.message),
          external: node.isExternal,
        },
      });
    }
  }
  return nodes;
}

const AssetNodeView = memo(function AssetNodeView({ data, selected }: NodeProps<AssetNode>) {
  const state = useAssetState(data.key);
  const status = state?.status ?? data.fallback;
  const time = state?.lastMaterializedAt ?? data.fallbackTime;
  // The reasons are the lineage's as read; a node the live stream marked stale since gets the one reason the stream implies.
  const why =
    status === "stale"
      ? (data.staleReasons && data.staleReasons.length > 0 ? data.staleReasons : ["an upstream was materialized since"]).join("\n")
      : undefined;
  return (
    <div
      className={`asset-node status-${status}${selected ? " is-selected" : ""}${data.external ? " is-external" : ""}`}
      data-asset-key={data.key}
      data-status={status}
      data-external={data.external ? "true" : undefined}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="asset-node-key">
        <span className="asset-key" title={data.key}>
          {data.key}
        </span>
        {data.external && (
          <span className="external-badge" title="External: produced outside OrleansAssets and reported (oa report), never materialized by a run">
            external
          </span>
        )}
        <Link to={href.asset(data.key)} className="open-link" aria-label={`Open ${data.key}`} title="Open the asset page" onClick={(e) => e.stopPropagation()}>
          ↗
        </Link>
      </div>
      <div className="asset-node-state">
        <span className={`dot status-${status}`} aria-hidden="true" />
        <span className="asset-status" title={why} data-stale-reasons={why}>
          {status === "never" ? "never materialized" : status}
        </span>
        {time && <time dateTime={time}>{formatTime(time)}</time>}
      </div>
      <NodeBadges kinds={data.kinds} multiAsset={data.multiAsset} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

/** Status counts of a group's assets, recounted only when one of its own assets changes. */
function useGroupCounts(group: AssetGroup | undefined, fallback: GraphModel): Record<AssetStatus, number> {
  const members = useMemo(() => new Set(group?.keys ?? []), [group]);
  const version = useRef(0);
  const subscribe = useCallback(
    (listener: () => void) =>
      assets.subscribeAll((changed) => {
        for (const key of changed) {
          if (members.has(key)) {
            version.current++;
            listener();
            return;
          }
        }
      }),
    [members],
  );
  const tick = useSyncExternalStore(subscribe, () => version.current);
  return useMemo(() => {
    void tick;
    const counts = Object.fromEntries(assetStatuses.map((s) => [s, 0])) as Record<AssetStatus, number>;
    for (const key of members) counts[assets.get(key)?.status ?? fallback.nodes.get(key)?.status ?? "never"]++;
    return counts;
  }, [members, tick, fallback]);
}

const GroupNodeView = memo(function GroupNodeView({ data, selected }: NodeProps<GroupNode>) {
  const actions = useContext(GraphContext)!;
  const group = actions.model.groups.get(data.groupId);
  const counts = useGroupCounts(group, actions.model);
  const hits = actions.highlight?.groups.get(data.groupId);
  if (!group) return null;
  return (
    <div className={`group-node ${data.expanded ? "open" : "closed"}${selected ? " is-selected" : ""}`} data-group={group.name} data-code-location={group.codeLocation}>
      {!data.expanded && <Handle type="target" position={Position.Left} isConnectable={false} />}
      <div className="group-head">
        <button
          className="group-toggle nodrag"
          aria-expanded={data.expanded}
          aria-label={`${data.expanded ? "Collapse" : "Expand"} group ${group.name}`}
          onClick={(e) => {
            e.stopPropagation();
            actions.toggle(group.id);
          }}
        >
          {data.expanded ? "▾" : "▸"}
        </button>
        <span className="group-name">{group.name}</span>
        <span className="group-location" title="code location">
          {group.codeLocation}
        </span>
        {hits !== undefined && (
          <span className="group-hits" data-selected-count={hits} title="assets of this group the selection picks">
            {hits} selected
          </span>
        )}
        <span className="group-count">{group.keys.length}</span>
      </div>
      {!data.expanded && <StatusBar counts={counts} total={group.keys.length} />}
      {!data.expanded && <Handle type="source" position={Position.Right} isConnectable={false} />}
    </div>
  );
});

function StatusBar({ counts, total }: { counts: Record<AssetStatus, number>; total: number }) {
  return (
    <div className="status-summary">
      <div className="status-bar" aria-hidden="true">
        {assetStatuses.map((s) => counts[s] > 0 && <span key={s} className={`seg status-${s}`} style={{ flexGrow: counts[s] }} />)}
      </div>
      <div className="status-counts">
        {assetStatuses
          .filter((s) => counts[s] > 0)
          .map((s) => (
            <span key={s} className={`count-${s}`}>
              {counts[s]} {s}
            </span>
          ))}
        {total === 0 && <span>empty</span>}
      </div>
    </div>
  );
}

const nodeTypes = { asset: AssetNodeView, assetGroup: GroupNodeView };

function GroupList({ model, expanded, onToggle }: { model: GraphModel; expanded: ReadonlySet<string>; onToggle: (id: string) => void }) {
  const byLocation = useMemo(() => {
    const map = new Map<string, AssetGroup[]>();
    for (const group of model.groups.values()) {
      const list = map.get(group.codeLocation);
      if (list) list.push(group);
      else map.set(group.codeLocation, [group]);
    }
    return [...map].sort(([a], [b]) => a.localeCompare(b));
  }, [model]);
  return (
    <div className="group-list">
      {byLocation.map(([location, groups]) => (
        <details key={location} open>
          <summary>
            <span className="location-name">{location || "(no code location)"}</span> <span className="muted">{plural(groups.length, "group")}</span>
          </summary>
          <ul>
            {groups.map((g) => (
              <li key={g.id}>
                <label>
                  <input type="checkbox" checked={expanded.has(g.id)} onChange={() => onToggle(g.id)} /> {g.name}{" "}
                  <span className="muted">{g.keys.length}</span>
                </label>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}

function Finder({ model, onPick }: { model: GraphModel; onPick: (key: string) => void }) {
  const [text, setText] = useState("");
  const matches = useMemo(() => {
    const needle = text.trim().toLowerCase();
    if (!needle) return [];
    const found: string[] = [];
    for (const key of model.nodes.keys()) {
      if (key.toLowerCase().includes(needle)) {
        found.push(key);
        if (found.length >= 12) break;
      }
    }
    return found;
  }, [text, model]);
  return (
    <div className="finder">
      <input
        type="search"
        placeholder="Find an asset…"
        aria-label="Find an asset in the graph"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && matches[0]) onPick(matches[0]);
        }}
      />
      {matches.length > 0 && (
        <ul className="finder-results">
          {matches.map((key) => (
            <li key={key}>
              <button className="link" onClick={() => onPick(key)}>
                {key}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

