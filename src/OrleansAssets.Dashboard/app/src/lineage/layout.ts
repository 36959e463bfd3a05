// DAG layout with dagre in two levels: each expanded group is laid out on its own (and kept), then the groups
// are laid out as boxes. Expanding a group lays out that group and the boxes, never every asset again.
import dagre from "@dagrejs/dagre";

import { assetSize, groupPadding, groupSize } from "./sizes";

export interface LayoutGraph {
  groups: { id: string; keys: string[] }[];
  /** Asset edges as [from, to]. */
  edges: [string, string][];
}

export interface LayoutResult {
  /** Group boxes: top-left corner and size. */
  groups: Record<string, { x: number; y: number; width: number; height: number }>;
  /** Assets of expanded groups: top-left corner relative to their group's box. */
  assets: Record<string, { x: number; y: number }>;
  ms: number;
}

interface Inner {
  width: number;
  height: number;
  positions: Record<string, { x: number; y: number }>;
}

export class Layouter {
  private readonly groupOf = new Map<string, string>();
  private readonly keysOf = new Map<string, string[]>();
  private readonly innerEdges = new Map<string, [string, string][]>();
  private readonly groupEdges: [string, string][] = [];
  private readonly inner = new Map<string, Inner>();

  constructor(graph: LayoutGraph) {
    for (const group of graph.groups) {
      this.keysOf.set(group.id, group.keys);
      for (const key of group.keys) this.groupOf.set(key, group.id);
    }
    const between = new Set<string>();
    for (const [from, to] of graph.edges) {
      const a = this.groupOf.get(from);
      const b = this.groupOf.get(to);
      if (a === undefined || b === undefined) continue;
      if (a === b) {
        let list = this.innerEdges.get(a);
        if (!list) this.innerEdges.set(a, (list = []));
        list.push([from, to]);
      } else if (!between.has(`${a}\u0000${b}`)) {
        between.add(`${a}\u0000${b}`);
        this.groupEdges.push([a, b]);
      }
    }
  }

  layout(expanded: string[]): LayoutResult {
    const started = performance.now();
    const open = new Set(expanded.filter((id) => this.keysOf.has(id)));
    const top = new dagre.graphlib.Graph({ multigraph: false });
    top.setGraph({ rankdir: "LR", nodesep: 36, ranksep: 90, marginx: 20, marginy: 20 });
    top.setDefaultEdgeLabel(() => ({}));
    for (const id of this.keysOf.keys()) {
      const size = open.has(id) ? this.innerLayout(id) : groupSize;
      top.setNode(id, { width: size.width, height: size.height });
    }
    for (const [a, b] of this.groupEdges) top.setEdge(a, b);
    dagre.layout(top);

    const result: LayoutResult = { groups: {}, assets: {}, ms: 0 };
    for (const id of this.keysOf.keys()) {
      const node = top.node(id) as { x: number; y: number; width: number; height: number };
      result.groups[id] = { x: node.x - node.width / 2, y: node.y - node.height / 2, width: node.width, height: node.height };
      if (open.has(id)) Object.assign(result.assets, this.inner.get(id)!.positions);
    }
    result.ms = performance.now() - started;
    return result;
  }

  private innerLayout(id: string): Inner {
    const cached = this.inner.get(id);
    if (cached) return cached;
    const keys = this.keysOf.get(id)!;
    const graph = new dagre.graphlib.Graph();
    // Network simplex ranks small groups best; for big ones longest-path is twice as fast and as good on layered DAGs.
    const ranker = keys.length > 60 ? "longest-path" : "network-simplex";
    graph.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 60, marginx: 0, marginy: 0, ranker });
    graph.setDefaultEdgeLabel(() => ({}));
    const edges = this.innerEdges.get(id) ?? [];
    // Assets with no edge inside the group would stack in one tall column; wrap them into a grid instead.
    const linked = new Set(edges.flat());
    const loose = keys.filter((k) => !linked.has(k));
    for (const key of keys) if (linked.has(key)) graph.setNode(key, { ...assetSize });
    for (const [a, b] of edges) graph.setEdge(a, b);
    const positions: Record<string, { x: number; y: number }> = {};
    let width = 0;
    let height = 0;
    if (linked.size > 0) {
      dagre.layout(graph);
      for (const key of linked) {
        const node = graph.node(key) as { x: number; y: number };
        const x = node.x - assetSize.width / 2;
        const y = node.y - assetSize.height / 2;
        positions[key] = { x, y };
        width = Math.max(width, x + assetSize.width);
        height = Math.max(height, y + assetSize.height);
      }
    }
    if (loose.length > 0) {
      const columns = Math.max(1, Math.ceil(Math.sqrt(loose.length / 3)));
      const top = linked.size > 0 ? height + 30 : 0;
      loose.forEach((key, i) => {
        const x = (i % columns) * (assetSize.width + 24);
        const y = top + Math.floor(i / columns) * (assetSize.height + 18);
        positions[key] = { x, y };
        width = Math.max(width, x + assetSize.width);
        height = Math.max(height, y + assetSize.height);
      });
    }
    for (const key of keys) {
      const p = positions[key]!;
      positions[key] = { x: p.x + groupPadding.side, y: p.y + groupPadding.top };
    }
    const inner = {
      width: Math.max(groupSize.width, width + 2 * groupPadding.side),
      height: height + groupPadding.top + groupPadding.bottom,
      positions,
    };
    this.inner.set(id, inner);
    return inner;
  }
}
