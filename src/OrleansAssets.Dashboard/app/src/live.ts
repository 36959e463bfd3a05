// The live state of every asset the dashboard has seen, kept current by the gateway's SSE stream.
// Each view subscribes to the keys it shows, so one asset event re-renders one node or row and nothing else.
import { useSyncExternalStore } from "react";
import { checkSignedIn, get } from "./api";
import type { AssetStateEvent, AssetStatus, AssetSummary, Page, RunEvent } from "./types";

export interface AssetState {
  status: AssetStatus;
  lastMaterializedAt?: string;
  lastRunId?: string;
  /** The run it is materializing in, while it is. */
  runningIn?: string;
}

type Listener = () => void;

class AssetStore {
  private readonly states = new Map<string, AssetState>();
  /** When the stream last told us about a key (performance.now()), so a slower fetch does not undo it. */
  private readonly heardAt = new Map<string, number>();
  private readonly keyListeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<(changed: ReadonlySet<string>) => void>();
  private readonly downstream = new Map<string, string[]>();
  private readonly knownEdges = new Set<string>();
  private pending = new Set<string>();
  private flushQueued = false;
  private versionValue = 0;

  get(key: string): AssetState | undefined {
    return this.states.get(key);
  }

  get version(): number {
    return this.versionValue;
  }

  /** States read from the API; a key the stream spoke of after the read began keeps the stream's word. */
  load(items: Iterable<{ key: string } & AssetState>, readStartedAt: number): void {
    for (const item of items) {
      if ((this.heardAt.get(item.key) ?? -1) > readStartedAt) continue;
      const current = this.states.get(item.key);
      if (current && current.status === item.status && current.lastMaterializedAt === item.lastMaterializedAt && current.lastRunId === item.lastRunId) continue;
      this.set(item.key, { status: item.status, lastMaterializedAt: item.lastMaterializedAt, lastRunId: item.lastRunId });
    }
  }

  /** Dependency edges, so a materialization can mark what it feeds as stale (the stream does not say so). Adds to those known. */
  addEdges(edges: Iterable<{ from: string; to: string }>): void {
    for (const { from, to } of edges) {
      const id = `${from}\u0000${to}`;
      if (this.knownEdges.has(id)) continue;
      this.knownEdges.add(id);
      const list = this.downstream.get(from);
      if (list) list.push(to);
      else this.downstream.set(from, [to]);
    }
  }

  apply(event: AssetStateEvent): void {
    this.heardAt.set(event.assetKey, performance.now());
    const current = this.states.get(event.assetKey);
    const next: AssetState = { ...current, status: event.status, runningIn: event.status === "materializing" ? event.runId : undefined };
    if (event.status === "materialized") {
      next.lastMaterializedAt = event.timestamp ?? new Date().toISOString();
      next.lastRunId = event.runId ?? current?.lastRunId;
      // An asset whose upstream has new data is behind until it is materialized again (as the silo derives it).
      for (const child of this.downstream.get(event.assetKey) ?? []) {
        const state = this.states.get(child);
        if (state?.status === "materialized") {
          this.heardAt.set(child, performance.now());
          this.set(child, { ...state, status: "stale" });
        }
      }
    }
    this.set(event.assetKey, next);
  }

  /**
   * Assets still shown materializing in a run that ended or stopped them (a cancel says no state of its own):
   * read what they are now.
   */
  async settle(runId: string, assetKey?: string): Promise<void> {
    const keys = assetKey
      ? [assetKey].filter((k) => this.states.get(k)?.runningIn === runId)
      : [...this.states].filter(([, s]) => s.status === "materializing" && s.runningIn === runId).map(([k]) => k);
    for (let i = 0; i < keys.length; i += 100) {
      const started = performance.now();
      try {
        const page = await get<Page<AssetSummary>>(`/api/v1/assets?select=${encodeURIComponent(keys.slice(i, i + 100).join(","))}&limit=1000`);
        this.load(page.items, started);
      } catch {
        // Left as it is; the next read of the page corrects it.
      }
    }
  }

  subscribe(key: string, listener: Listener): () => void {
    let set = this.keyListeners.get(key);
    if (!set) this.keyListeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.keyListeners.delete(key);
    };
  }

  /** Told once per batch of changes (a frame's worth), with the keys that changed. */
  subscribeAll(listener: (changed: ReadonlySet<string>) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  private set(key: string, state: AssetState): void {
    this.states.set(key, state);
    this.versionValue++;
    this.keyListeners.get(key)?.forEach((l) => l());
    this.pending.add(key);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        const changed = this.pending;
        this.pending = new Set();
        this.flushQueued = false;
        this.anyListeners.forEach((l) => l(changed));
      });
    }
  }
}

export const assets = new AssetStore();

/** One asset's live state; the component re-renders only when that asset changes. */
export function useAssetState(key: string): AssetState | undefined {
  return useSyncExternalStore(
    (listener) => assets.subscribe(key, listener),
    () => assets.get(key),
  );
}

/** A number that changes whenever any asset does (for counts and filters over many). */
export function useAssetsVersion(): number {
  return useSyncExternalStore(
    (listener) => assets.subscribeAll(listener),
    () => assets.version,
  );
}

export type StreamState = "connecting" | "open" | "down";

type StreamListener = { run?: (event: RunEvent) => void; reconnected?: () => void };

/**
 * The dashboard's one connection to the gateway's stream of run events and asset state changes. EventSource
 * resumes after a drop with Last-Event-ID and the gateway replays what it kept; when it cannot (it restarted, or
 * the viewer was away too long) it sends `event: reset`, and views read their state again.
 */
class LiveStream {
  private source?: EventSource;
  private stateValue: StreamState = "connecting";
  private readonly listeners = new Set<StreamListener>();
  private readonly stateListeners = new Set<Listener>();
  private lastLoginCheck = 0;
  private opened!: () => void;
  private readonly openedOnce = new Promise<void>((resolve) => (this.opened = resolve));

  get state(): StreamState {
    return this.stateValue;
  }

  /**
   * Resolves once the stream is connected (or after a short wait if it cannot be), so a view that reads its state
   * after this misses no change: whatever changes after the read arrives on the stream.
   */
  ready(): Promise<void> {
    this.start();
    return Promise.race([this.openedOnce, new Promise<void>((resolve) => setTimeout(resolve, 1500))]);
  }

  start(): void {
    if (this.source) return;
    const source = new EventSource("/api/v1/stream", { withCredentials: true });
    this.source = source;
    source.addEventListener("asset", (message) => {
      const event = parse<AssetStateEvent>(message);
      if (event?.assetKey) assets.apply(event);
    });
    source.addEventListener("run", (message) => {
      const event = parse<RunEvent>(message);
      if (!event) return;
      if (event.type === "stepCanceled") void assets.settle(event.runId, event.assetKey);
      if (event.type === "runSuccess" || event.type === "runFailure" || event.type === "runCanceled") void assets.settle(event.runId);
      this.listeners.forEach((l) => l.run?.(event));
    });
    source.addEventListener("reset", () => this.listeners.forEach((l) => l.reconnected?.()));
    source.onopen = () => {
      this.setState("open");
      this.opened();
    };
    source.onerror = () => {
      this.setState(source.readyState === EventSource.CLOSED ? "down" : "connecting");
      if (performance.now() - this.lastLoginCheck > 5000) {
        this.lastLoginCheck = performance.now();
        void checkSignedIn();
      }
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (the gateway answered with an error status): try again in a while, and read again.
        this.source = undefined;
        setTimeout(() => {
          this.start();
          this.listeners.forEach((l) => l.reconnected?.());
        }, 3000);
      }
    };
  }

  listen(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeState(listener: Listener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: StreamState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.stateListeners.forEach((l) => l());
  }
}

export const stream = new LiveStream();

export function useStreamState(): StreamState {
  return useSyncExternalStore((l) => stream.subscribeState(l), () => stream.state);
}

/** A stream of one run's events, for the run page; closes with the returned function. */
export function openRunStream(runId: string, onEvent: (event: RunEvent) => void, onOpen: () => void): () => void {
  const source = new EventSource(`/api/v1/stream?run=${encodeURIComponent(runId)}`, { withCredentials: true });
  source.addEventListener("run", (message) => {
    const event = parse<RunEvent>(message);
    if (event && event.runId === runId) onEvent(event);
  });
  source.onopen = onOpen;
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) void checkSignedIn();
  };
  return () => source.close();
}

function parse<T>(message: Event): T | undefined {
  try {
    return JSON.parse((message as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}
