import { useEffect, useRef, useState } from "react";
import { formatDuration } from "../format";
import type { RunStep } from "../types";

const rowHeight = 26;
const labelWidth = 220;
const axisHeight = 24;

/** Each step of a run as a bar from its start to its end (to now while it runs), in SVG so its labels are text. */
export function Gantt({ steps, start, end, running, onPick }: { steps: RunStep[]; start?: string; end?: string; running: boolean; onPick?: (key: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    setWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);

  const ordered = [...steps].sort((a, b) => (a.startedAt ? Date.parse(a.startedAt) : Infinity) - (b.startedAt ? Date.parse(b.startedAt) : Infinity));
  const starts = ordered.filter((s) => s.startedAt).map((s) => Date.parse(s.startedAt!));
  const t0 = start ? Date.parse(start) : starts.length > 0 ? Math.min(...starts) : now;
  const ends = ordered.map((s) => (s.endedAt ? Date.parse(s.endedAt) : s.startedAt ? now : t0));
  const t1 = end && !running ? Math.max(Date.parse(end), ...ends) : Math.max(now, ...ends);
  const span = Math.max(1, t1 - t0);
  const plotWidth = Math.max(100, width - labelWidth - 16);
  const x = (t: number) => labelWidth + ((t - t0) / span) * plotWidth;
  const ticks = niceTicks(span);
  const height = axisHeight + ordered.length * rowHeight + 4;

  return (
    <div className="gantt" ref={host} data-testid="gantt">
      <svg width={width} height={height} role="img" aria-label={`Timeline of ${ordered.length} steps`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t0 + t)} x2={x(t0 + t)} y1={axisHeight - 4} y2={height} className="tick" />
            <text x={x(t0 + t)} y={14} className="tick-label" textAnchor="middle">
              {formatDuration(t)}
            </text>
          </g>
        ))}
        {ordered.map((step, i) => {
          const y = axisHeight + i * rowHeight;
          const from = step.startedAt ? Date.parse(step.startedAt) : undefined;
          const to = step.endedAt ? Date.parse(step.endedAt) : from !== undefined ? now : undefined;
          const duration = step.durationMs ?? (from !== undefined && to !== undefined ? to - from : undefined);
          return (
            <g key={step.assetKey} className={`gantt-row status-${step.status}`} data-step={step.assetKey} data-status={step.status} onClick={() => onPick?.(step.assetKey)}>
              <text x={4} y={y + rowHeight / 2 + 4} className="gantt-label">
                {step.assetKey}
              </text>
              {from !== undefined && to !== undefined ? (
                <rect x={x(from)} y={y + 5} width={Math.max(3, x(to) - x(from))} height={rowHeight - 10} rx={3} className={`bar status-${step.status}`}>
                  <title>{`${step.assetKey}: ${step.status}${duration !== undefined ? `, ${formatDuration(duration)}` : ""}${step.attempts && step.attempts > 1 ? `, ${step.attempts} attempts` : ""}${step.silo ? ` on ${step.silo}` : ""}`}</title>
                </rect>
              ) : (
                <text x={labelWidth} y={y + rowHeight / 2 + 4} className="gantt-pending">
                  {step.status}
                </text>
              )}
              {from !== undefined && duration !== undefined && (
                // Right of the bar where there is room, else left of it.
                <text
                  x={x(to ?? from) + 70 < width ? x(to ?? from) + 6 : x(from) - 6}
                  textAnchor={x(to ?? from) + 70 < width ? "start" : "end"}
                  y={y + rowHeight / 2 + 4}
                  className="gantt-duration"
                >
                  {formatDuration(duration)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function niceTicks(span: number): number[] {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  const step = steps.find((s) => span / s <= 8) ?? 3_600_000;
  const ticks: number[] = [];
  for (let t = 0; t <= span; t += step) ticks.push(t);
  return ticks;
}
