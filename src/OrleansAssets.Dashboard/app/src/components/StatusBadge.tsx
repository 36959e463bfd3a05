import type { AssetStatus, RunStatus, SiloStatus, StepStatus } from "../types";

const labels: Record<string, string> = {
  never: "never materialized",
  materializing: "materializing",
  materialized: "materialized",
  failed: "failed",
  stale: "stale",
  shuttingDown: "shutting down",
};

/** `title`: what the badge says on hover, for example why an asset is stale. */
export function StatusBadge({ status, title }: { status: AssetStatus | RunStatus | StepStatus | SiloStatus | "unknown"; title?: string }) {
  return (
    <span className={`badge status-${status}`} data-status={status} title={title}>
      {labels[status] ?? status}
    </span>
  );
}
