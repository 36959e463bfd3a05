import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber } from "../format";

/** One numeric metadata value over an asset's materializations (uPlot: canvas, small, fast). */
export function MetadataPlot({ name, points }: { name: string; points: [number, number][] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = element.current;
    if (!host) return;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const plot = new uPlot(
      {
        width: Math.max(260, host.clientWidth),
        height: 160,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // One point (or points at one time) would stretch the axis over years; show a minute around it instead.
        scales: { x: { time: true, range: (_u, min, max) => (max - min < 1 ? [min - 60, max + 60] : [min, max]) } },
        axes: [
          { stroke: "#667", grid: { stroke: "#eef" } },
          { stroke: "#667", grid: { stroke: "#eef" }, size: 60, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
        ],
        series: [{}, { label: name, stroke: "#2f6fb3", width: 2, fill: "rgba(47,111,179,0.08)", points: { show: true, size: 6 } }],
      },
      [xs, ys],
      host,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(260, host.clientWidth), height: 160 }));
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [name, points]);
  const last = points[points.length - 1];
  return (
    <figure className="plot" data-plot={name}>
      <figcaption>
        <strong>{name}</strong>{" "}
        <span className="muted">
          {points.length} point{points.length === 1 ? "" : "s"}
          {last ? `, latest ${formatNumber(last[1])}` : ""}
        </span>
      </figcaption>
      <div ref={element} role="img" aria-label={`${name} over ${points.length} materializations`} />
    </figure>
  );
}
