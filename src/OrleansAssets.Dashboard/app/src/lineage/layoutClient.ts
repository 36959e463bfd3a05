// The page's side of the layout worker; falls back to laying out in the page when workers are unavailable.
import type { Layouter, LayoutGraph, LayoutResult } from "./layout";

export class LayoutClient {
  private worker?: Worker;
  private local?: Promise<Layouter>;
  private nextId = 0;
  private readonly waiting = new Map<number, (result: LayoutResult) => void>();

  constructor(graph: LayoutGraph) {
    try {
      this.worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
      this.worker.onmessage = (message: MessageEvent<{ id: number; result: LayoutResult }>) => {
        this.waiting.get(message.data.id)?.(message.data.result);
        this.waiting.delete(message.data.id);
      };
      this.worker.postMessage({ type: "graph", graph });
    } catch {
      this.worker = undefined;
      this.local = import("./layout").then((m) => new m.Layouter(graph));
    }
  }

  layout(expanded: string[]): Promise<LayoutResult> {
    if (!this.worker) return this.local!.then((l) => l.layout(expanded));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker!.postMessage({ type: "layout", id, expanded });
    });
  }

  dispose(): void {
    this.worker?.terminate();
  }
}
