import { useEffect, useRef, useState } from "react";
import { formatDuration } from "../format";
import type { RunStep } from "../types";

const rowHeight = 26;
const labelWidth = 220;
const axisHeight = 24;
const maxBodyHeight = 420;

/**
 * Each step of a run as a bar from its start to its end (to now while it runs), in SVG so its labels are text.
 * Rows have one height, so only those in view are drawn: a run of thousands of steps costs a screenful.
 */
export function Gantt({ steps, start, end, running, onPick }: { steps: RunStep[]; start?: string; end?: string; running: boolean; onPick?: (key: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [scrollTop, setScrollTop] = useState(0);
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
  let first = Infinity;
  let last = -Infinity;
  for (const s of ordered) {
    if (s.startedAt) first = Math.min(first, Date.parse(s.startedAt));
    last = Math.max(last, s.endedAt ? Date.parse(s.endedAt) : s.startedAt ? now : -Infinity);
  }
  const t0 = start ? Date.parse(start) : Number.isFinite(first) ? first : now;
  const t1 = end && !running ? Math.max(Date.parse(end), last) : Math.max(now, last);
  const span = Math.max(1, t1 - t0);
  const plotWidth = Math.max(100, width - labelWidth - 16);
  const x = (t: number) => labelWidth + ((t - t0) / span) * plotWidth;
  const ticks = niceTicks(span);
  const bodyHeight = ordered.length * rowHeight + 4;
  const firstRow = Math.max(0, Math.floor(scrollTop / rowHeight) - 5);
  const lastRow = Math.min(ordered.length, Math.ceil((scrollTop + maxBodyHeight) / rowHeight) + 5);

  return (
    <div className="gantt" ref={host} data-testid="gantt">
      <svg width={width} height={axisHeight} className="gantt-axis" aria-hidden="true">
        {ticks.map((t) => (
          <text key={t} x={x(t0 + t)} y={14} className="tick-label" textAnchor="middle">
            {formatDuration(t)}
          </text>
        ))}
      </svg>
      <div className="gantt-body" style={{ maxHeight: maxBodyHeight }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <svg width={width} height={bodyHeight} role="img" aria-label={`Timeline of ${ordered.length} steps`}>
          {ticks.map((t) => (
            <line key={t} x1={x(t0 + t)} x2={x(t0 + t)} y1={0} y2={bodyHeight} className="tick" />
          ))}
          {ordered.slice(firstRow, lastRow).map((step, i) => {
            const y = (firstRow + i) * rowHeight;
            const from = step.startedAt ? Date.parse(step.startedAt) : undefined;
            const to = step.endedAt ? Date.parse(step.endedAt) : from !== undefined ? now : undefined;
            const duration = step.durationMs ?? (from !== undefined && to !== undefined ? to - from : undefined);
            const roomRight = to !== undefined && x(to) + 70 < width;
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
                {from !== undefined && to !== undefined && duration !== undefined && (
                  // Right of the bar where there is room, else left of it.
                  <text x={roomRight ? x(to) + 6 : x(from) - 6} textAnchor={roomRight ? "start" : "end"} y={y + rowHeight / 2 + 4} className="gantt-duration">
                    {formatDuration(duration)}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
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
