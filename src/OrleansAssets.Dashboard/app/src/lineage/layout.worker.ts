// Lays out the lineage graph off the main thread, so expanding big groups never freezes the page.
import { Layouter, type LayoutGraph } from "./layout";

type Request = { type: "graph"; graph: LayoutGraph } | { type: "layout"; id: number; expanded: string[] };

let layouter: Layouter | undefined;

self.onmessage = (message: MessageEvent<Request>) => {
  const request = message.data;
  if (request.type === "graph") {
    layouter = new Layouter(request.graph);
  } else if (layouter) {
    (self as unknown as Worker).postMessage({ id: request.id, result: layouter.layout(request.expanded) });
  }
};
