// The dashboard's few client routes, on the History API (the gateway answers each of them with index.html).
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";
import { keyPath } from "./api";

export type Route =
  | { page: "lineage" }
  | { page: "catalog" }
  | { page: "asset"; key: string }
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "deployment" }
  | { page: "jobs" }
  | { page: "job"; name: string }
  | { page: "automation" }
  | { page: "automationItem"; kind: "schedules" | "sensors"; name: string }
  | { page: "queue" }
  | { page: "notFound"; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/" || path === "") return { page: "lineage" };
  if (path === "/assets") return { page: "catalog" };
  if (path.startsWith("/assets/")) {
    const key = path.slice("/assets/".length).split("/").map(safeDecode).join("/");
    return { page: "asset", key };
  }
  if (path === "/runs") return { page: "runs" };
  if (path.startsWith("/runs/")) return { page: "run", id: safeDecode(path.slice("/runs/".length)) };
  if (path === "/deployment") return { page: "deployment" };
  if (path === "/jobs") return { page: "jobs" };
  if (path.startsWith("/jobs/")) return { page: "job", name: safeDecode(path.slice("/jobs/".length)) };
  if (path === "/automation") return { page: "automation" };
  const item = /^\/automation\/(schedules|sensors)\/(.+)$/.exec(path);
  if (item) return { page: "automationItem", kind: item[1] as "schedules" | "sensors", name: safeDecode(item[2]!) };
  if (path === "/queue") return { page: "queue" };
  return { page: "notFound", path };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const href = {
  lineage: () => "/",
  catalog: () => "/assets",
  asset: (key: string) => `/assets/${keyPath(key)}`,
  runs: () => "/runs",
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  deployment: () => "/deployment",
  jobs: () => "/jobs",
  job: (name: string) => `/jobs/${encodeURIComponent(name)}`,
  automation: () => "/automation",
  schedule: (name: string) => `/automation/schedules/${encodeURIComponent(name)}`,
  sensor: (name: string) => `/automation/sensors/${encodeURIComponent(name)}`,
  queue: () => "/queue",
};

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((l) => l());
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname + location.search,
  );
}

export function useSearchParams(): [URLSearchParams, (next: Record<string, string | undefined>) => void] {
  const current = useLocation();
  const params = new URLSearchParams(current.includes("?") ? current.slice(current.indexOf("?")) : "");
  const set = (next: Record<string, string | undefined>) => {
    const merged = new URLSearchParams(location.search);
    for (const [name, value] of Object.entries(next)) {
      if (value) merged.set(name, value);
      else merged.delete(name);
    }
    const search = merged.toString();
    navigate(location.pathname + (search ? `?${search}` : ""), { replace: true });
  };
  return [params, set];
}

/** An anchor that navigates in the page (a modified or middle click still opens a new tab). */
export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}
