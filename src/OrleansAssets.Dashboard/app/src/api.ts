// The dashboard's only way to the product: the gateway's REST API on the same origin, cookies included.
import type { AssetDetails, CodeLocation, Lineage, Materialization, Page, Problem, RunDetails, RunEvent, RunSummary, Silo } from "./types";
import type { AssetSummary } from "./types";

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

/** Where the gateway's login page is; it sends the user back to returnUrl once the token is accepted. */
export function loginUrl(): string {
  return `/login?returnUrl=${encodeURIComponent(location.pathname + location.search + location.hash)}`;
}

function toLogin(): never {
  location.assign(loginUrl());
  throw new ApiError(401, { title: "Unauthorized", detail: "Signing in..." });
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401) toLogin();
  if (!response.ok) {
    let problem: Problem = { status: response.status, title: response.statusText };
    try {
      problem = { ...problem, ...(await response.json()) };
    } catch {
      // Not problem details (a proxy's page, say): the status line is all there is.
    }
    throw new ApiError(response.status, problem);
  }
  return (await response.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, undefined, signal);
export const post = <T>(path: string, body: unknown) => request<T>("POST", path, body);

/** An asset key in a path: each `/`-separated part encoded on its own, so multi-part keys keep their slashes. */
export const keyPath = (key: string) => key.split("/").map(encodeURIComponent).join("/");

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Follows a list's cursor to its end, handing each page over as it arrives. */
export async function* pages<T>(path: string, params: Record<string, string | number | undefined>, signal?: AbortSignal): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const page = await get<Page<T>>(path + query({ ...params, cursor }), signal);
    yield page.items;
    cursor = page.next ?? undefined;
  } while (cursor);
}

export const api = {
  /** The whole lineage, or with a selection the part it picks (a malformed selection is a 400 naming the term and position). */
  lineage: (signal?: AbortSignal, select?: string) => get<Lineage>(`/api/v1/lineage${query({ select })}`, signal),
  assets: (signal?: AbortSignal) => pages<AssetSummary>("/api/v1/assets", { limit: 1000 }, signal),
  asset: (key: string, signal?: AbortSignal) => get<AssetDetails>(`/api/v1/assets/${keyPath(key)}`, signal),
  materializations: (key: string, limit: number, cursor?: string, signal?: AbortSignal) =>
    get<Page<Materialization>>(`/api/v1/materializations${query({ asset: key, limit, cursor })}`, signal),
  runs: (params: { status?: string; asset?: string; limit?: number; cursor?: string }, signal?: AbortSignal) =>
    get<Page<RunSummary>>(`/api/v1/runs${query(params)}`, signal),
  run: (id: string, signal?: AbortSignal) => get<RunDetails>(`/api/v1/runs/${encodeURIComponent(id)}`, signal),
  runEvents: (id: string, after: number, signal?: AbortSignal) =>
    get<Page<RunEvent>>(`/api/v1/runs/${encodeURIComponent(id)}/events${query({ after, limit: 1000 })}`, signal),
  materialize: (selection: string, tags: Record<string, string> = {}) => post<RunDetails>("/api/v1/runs", { selection, tags }),
  codeLocations: (signal?: AbortSignal) => get<Page<CodeLocation>>("/api/v1/code-locations", signal),
  silos: (signal?: AbortSignal) => get<Page<Silo>>("/api/v1/silos", signal),
};

/** Sees whether a failed EventSource was refused for want of a token, and sends the user to sign in if so. */
export async function checkSignedIn(): Promise<void> {
  try {
    const response = await fetch("/api/v1/silos?limit=1", { credentials: "same-origin" });
    if (response.status === 401) toLogin();
  } catch {
    // The gateway is away; EventSource keeps retrying on its own.
  }
}
