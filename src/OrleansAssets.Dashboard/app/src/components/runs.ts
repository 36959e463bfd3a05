// Runs started from this tab: each shows its progress until the user dismisses it, whatever page they are on.
import { useEffect, useState, useSyncExternalStore } from "react";
import { api } from "../api";
import { stream } from "../live";
import type { RunDetails, RunStatus } from "../types";

export interface RunProgress {
  runId: string;
  status: RunStatus;
  assetKeys: string[];
  done: Set<string>;
  failed: Set<string>;
}

const terminal = new Set<RunStatus>(["success", "failure", "canceled"]);
export const isTerminal = (status: RunStatus) => terminal.has(status);

let launched: string[] = [];
const listeners = new Set<() => void>();

export function launchedRuns() {
  return launched;
}

export function rememberRun(runId: string): void {
  launched = [runId, ...launched.filter((id) => id !== runId)].slice(0, 3);
  listeners.forEach((l) => l());
}

export function dismissRun(runId: string): void {
  launched = launched.filter((id) => id !== runId);
  listeners.forEach((l) => l());
}

export function useLaunchedRuns(): string[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => launched,
  );
}

function fromDetails(run: RunDetails): RunProgress {
  const steps = run.steps ?? [];
  return {
    runId: run.runId,
    status: run.status,
    assetKeys: run.assetKeys ?? steps.map((s) => s.assetKey),
    done: new Set(steps.filter((s) => s.status === "success").map((s) => s.assetKey)),
    failed: new Set(steps.filter((s) => s.status === "failure" || s.status === "skipped" || s.status === "canceled").map((s) => s.assetKey)),
  };
}

/** A run's status and step counts, read once and then kept current from the stream's run events. */
export function useRunProgress(runId: string, initial?: RunDetails): RunProgress | undefined {
  const [progress, setProgress] = useState<RunProgress | undefined>(initial ? fromDetails(initial) : undefined);
  useEffect(() => {
    let alive = true;
    const refresh = () =>
      api.run(runId).then(
        (run) => alive && setProgress(fromDetails(run)),
        () => undefined,
      );
    const stop = stream.listen({
      run: (event) => {
        if (event.runId !== runId) return;
        setProgress((p) => {
          if (!p) return p;
          const next = { ...p, done: new Set(p.done), failed: new Set(p.failed) };
          switch (event.type) {
            case "runStarted":
              next.status = "started";
              break;
            case "runSuccess":
              next.status = "success";
              break;
            case "runFailure":
              next.status = "failure";
              break;
            case "runCanceled":
              next.status = "canceled";
              break;
            case "stepSucceeded":
              if (event.assetKey) next.done.add(event.assetKey);
              break;
            case "stepFailed":
              if (event.assetKey && !event.willRetry) next.failed.add(event.assetKey);
              break;
            case "stepSkipped":
            case "stepCanceled":
              if (event.assetKey) next.failed.add(event.assetKey);
              break;
            default:
              return p;
          }
          return next;
        });
        if (event.type === "runSuccess" || event.type === "runFailure" || event.type === "runCanceled") void refresh();
      },
      reconnected: () => void refresh(),
    });
    void refresh();
    return () => {
      alive = false;
      stop();
    };
  }, [runId]);
  return progress;
}
