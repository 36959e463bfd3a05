// The lineage graph as the page draws it: assets grouped by (code location, asset group), and the edges
// between what is visible when some groups are collapsed.
import type { Lineage, LineageNode } from "../types";

export interface AssetGroup {
  id: string;
  name: string;
  codeLocation: string;
  keys: string[];
}

export interface GraphModel {
  nodes: Map<string, LineageNode>;
  groups: Map<string, AssetGroup>;
  groupOf: Map<string, string>;
  edges: { from: string; to: string }[];
  upstream: Map<string, string[]>;
  downstream: Map<string, string[]>;
  /** Group names used by one code location only: `group:NAME` selects exactly that group. */
  uniqueGroupNames: Set<string>;
}

export const groupNodeId = (groupId: string) => `group:${groupId}`;
export const isGroupNodeId = (id: string) => id.startsWith("group:") ;

export function buildModel(lineage: Lineage): GraphModel {
  const nodes = new Map<string, LineageNode>();
  const groups = new Map<string, AssetGroup>();
  const groupOf = new Map<string, string>();
  for (const node of lineage.nodes) {
    nodes.set(node.key, node);
    const location = node.codeLocation ?? "";
    const name = node.group ?? "default";
    const id = `${location}/${name}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { id, name, codeLocation: location, keys: [] }));
    group.keys.push(node.key);
    groupOf.set(node.key, id);
  }
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  const edges = lineage.edges.filter((e) => nodes.has(e.from) && nodes.has(e.to));
  for (const { from, to } of edges) {
    push(downstream, from, to);
    push(upstream, to, from);
  }
  const locationsByName = new Map<string, Set<string>>();
  for (const group of groups.values()) {
    let set = locationsByName.get(group.name);
    if (!set) locationsByName.set(group.name, (set = new Set()));
    set.add(group.codeLocation);
  }
  const uniqueGroupNames = new Set([...locationsByName].filter(([, s]) => s.size === 1).map(([n]) => n));
  return { nodes, groups, groupOf, edges, upstream, downstream, uniqueGroupNames };
}

function push(map: Map<string, string[]>, key: string, value: string) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The edges between visible things: an asset of an expanded group is drawn itself, one of a collapsed group is
 * drawn as its group. Edges inside a collapsed group vanish; parallel ones are counted once.
 */
export function visibleEdges(model: GraphModel, expanded: ReadonlySet<string>): { id: string; source: string; target: string }[] {
  const seen = new Set<string>();
  const result: { id: string; source: string; target: string }[] = [];
  const visible = (key: string) => {
    const group = model.groupOf.get(key)!;
    return expanded.has(group) ? key : groupNodeId(group);
  };
  for (const { from, to } of model.edges) {
    const source = visible(from);
    const target = visible(to);
    if (source === target) continue;
    const id = `${source}\u2192${target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    result.push({ id, source, target });
  }
  return result;
}
