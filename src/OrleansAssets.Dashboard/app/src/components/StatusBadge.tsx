import type { AssetStatus, RunStatus, SiloStatus, StepStatus } from "../types";

const labels: Record<string, string> = {
  never: "never materialized",
  materializing: "materializing",
  materialized: "materialized",
  failed: "failed",
  stale: "stale",
  shuttingDown: "shutting down",
};

export function StatusBadge({ status }: { status: AssetStatus | RunStatus | StepStatus | SiloStatus | "unknown" }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {labels[status] ?? status}
    </span>
  );
}
