import { useState } from "react";
import { ApiError } from "../api";
import { daemonApi, type AutomationKind } from "./api";
import type { AutomationInfo } from "../types";

/**
 * A schedule's or sensor's on/off switch. It shows what the server answered, never what was asked for: a click
 * waits for the start or stop to be recorded, and a refusal leaves the switch where it was and says why.
 */
export function StatusToggle({ kind, info, onChange }: { kind: AutomationKind; info: AutomationInfo; onChange: (next: AutomationInfo) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const running = info.status === "running";
  const flip = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onChange(await daemonApi.setAutomation(kind, info.name, !running));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="status-toggle" data-status={info.status}>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={running}
          disabled={busy}
          aria-checked={running}
          aria-label={`${info.name} running`}
          onChange={() => void flip()}
        />
        <span className={`badge status-${info.status}`} data-status={info.status}>
          {busy ? (running ? "stopping…" : "starting…") : info.status}
        </span>
      </label>
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
