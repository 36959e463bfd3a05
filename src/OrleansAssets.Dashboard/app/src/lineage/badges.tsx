// Kind chips and the multi-asset marker, shared by the graph's asset nodes and the catalog's rows. Plain spans with
// no state or hooks: a 10,000-node view draws only the nodes in view, and each costs a few elements more.
import { memo } from "react";
import type { LineageNode } from "../types";

/** What a graph node carries for its badge row. */
export type BadgeData = Pick<LineageNode, "kinds" | "multiAsset">;

/** More kinds than this are counted ("+2", the rest on hover), so a node stays one line of chips. */
const shownKinds = 3;

export const KindBadges = memo(function KindBadges({ kinds }: { kinds?: readonly string[] }) {
  if (!kinds || kinds.length === 0) return null;
  const rest = kinds.slice(shownKinds);
  return (
    <>
      {kinds.slice(0, shownKinds).map((kind) => (
        <span key={kind} className="kind-badge" data-kind={kind} title={`kind: ${kind}`}>
          {kind}
        </span>
      ))}
      {rest.length > 0 && (
        <span className="kind-badge more" title={rest.join(", ")}>
          +{rest.length}
        </span>
      )}
    </>
  );
});

/** Names the multi-asset an asset is an output of; nothing for an asset of its own. */
export function MultiAssetMark({ multiAsset }: { multiAsset?: string }) {
  if (!multiAsset) return null;
  return (
    <span className="multi-asset-mark" data-multi-asset={multiAsset} title={`an output of the multi-asset ${multiAsset}`}>
      {multiAsset}
    </span>
  );
}

/** The badge row of a graph node: drawn only when there is something to show, in the room the node size keeps for it. */
export function NodeBadges({ kinds, multiAsset }: { kinds?: readonly string[]; multiAsset?: string }) {
  if ((!kinds || kinds.length === 0) && !multiAsset) return null;
  return (
    <div className="asset-node-badges">
      <KindBadges kinds={kinds} />
      <MultiAssetMark multiAsset={multiAsset} />
    </div>
  );
}
