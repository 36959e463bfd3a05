import type { ReactNode } from "react";
import { useStreamState } from "../live";
import { href, Link, useLocation } from "../router";
import { dismissRun, isTerminal, useLaunchedRuns, useRunProgress } from "./runs";
import { StatusBadge } from "./StatusBadge";
import { shortId } from "../format";

const sections = [
  { to: href.lineage(), label: "Lineage", match: (p: string) => p === "/" },
  { to: href.catalog(), label: "Assets", match: (p: string) => p.startsWith("/assets") },
  { to: href.runs(), label: "Runs", match: (p: string) => p.startsWith("/runs") },
  { to: href.jobs(), label: "Jobs", match: (p: string) => p.startsWith("/jobs") },
  { to: href.automation(), label: "Automation", match: (p: string) => p.startsWith("/automation") },
  { to: href.queue(), label: "Queue", match: (p: string) => p.startsWith("/queue") },
  { to: href.deployment(), label: "Deployment", match: (p: string) => p.startsWith("/deployment") },
];

export function Shell({ children }: { children: ReactNode }) {
  const path = useLocation().split("?")[0] ?? "/";
  const live = useStreamState();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          OrleansAssets
        </Link>
        <nav aria-label="Sections">
          {sections.map((s) => (
            <Link key={s.to} to={s.to} className={s.match(path) ? "active" : undefined} aria-current={s.match(path) ? "page" : undefined}>
              {s.label}
            </Link>
          ))}
        </nav>
        <div className="spacer" />
        <span className={`live live-${live}`} title="The live connection to the gateway's event stream" data-live={live}>
          {live === "open" ? "live" : live === "connecting" ? "connecting…" : "offline"}
        </span>
        <a href="/api" className="external">
          API reference
        </a>
        <a href="/orleans" className="external">
          Silo dashboard
        </a>
      </header>
      <main>{children}</main>
      <RunToasts />
    </div>
  );
}

function RunToasts() {
  const runs = useLaunchedRuns();
  if (runs.length === 0) return null;
  return (
    <aside className="toasts" aria-label="Runs started here">
      {runs.map((id) => (
        <RunToast key={id} runId={id} />
      ))}
    </aside>
  );
}

function RunToast({ runId }: { runId: string }) {
  const progress = useRunProgress(runId);
  const total = progress?.assetKeys.length ?? 0;
  const done = progress?.done.size ?? 0;
  return (
    <div className="toast" data-run-id={runId} data-run-status={progress?.status ?? "unknown"}>
      <div className="toast-head">
        <Link to={`/runs/${runId}`}>Run {shortId(runId)}</Link>
        <StatusBadge status={progress?.status ?? "unknown"} />
        <button className="link" aria-label="Dismiss" onClick={() => dismissRun(runId)}>
          ×
        </button>
      </div>
      <progress max={Math.max(total, 1)} value={done} aria-label="Steps done" />
      <div className="toast-text">
        {done} of {total} step{total === 1 ? "" : "s"} done
        {progress && progress.failed.size > 0 ? `, ${progress.failed.size} failed, skipped or canceled` : ""}
        {progress && isTerminal(progress.status) ? "" : "…"}
      </div>
    </div>
  );
}
