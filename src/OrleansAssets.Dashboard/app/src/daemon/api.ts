// The jobs, automation and queue endpoints: in the pages' own chunks, not the first bundle.
import { get, pages, post, query } from "../api";
import type { AutomationInfo, JobInfo, Page, QueueSnapshot, RunDetails, TickRecord } from "../types";

/** The API's two collections of automation: schedules and sensors. */
export type AutomationKind = "schedules" | "sensors";

export const daemonApi = {
  jobs: (signal?: AbortSignal) => pages<JobInfo>("/api/v1/jobs", { limit: 1000 }, signal),
  job: (name: string, signal?: AbortSignal) => get<JobInfo>(`/api/v1/jobs/${encodeURIComponent(name)}`, signal),
  launchJob: (name: string, body: { tags: Record<string, string>; config?: unknown }) =>
    post<RunDetails>(`/api/v1/jobs/${encodeURIComponent(name)}/runs`, body),
  automations: (kind: AutomationKind, signal?: AbortSignal) => pages<AutomationInfo>(`/api/v1/${kind}`, { limit: 1000 }, signal),
  automation: (kind: AutomationKind, name: string, signal?: AbortSignal) => get<AutomationInfo>(`/api/v1/${kind}/${encodeURIComponent(name)}`, signal),
  setAutomation: (kind: AutomationKind, name: string, running: boolean) =>
    post<AutomationInfo>(`/api/v1/${kind}/${encodeURIComponent(name)}/${running ? "start" : "stop"}`, {}),
  ticks: (kind: AutomationKind, name: string, limit: number, cursor?: string, signal?: AbortSignal) =>
    get<Page<TickRecord>>(`/api/v1/${kind}/${encodeURIComponent(name)}/ticks${query({ limit, cursor })}`, signal),
  preview: (name: string, count: number, from?: string, signal?: AbortSignal) =>
    get<{ ticks: string[] }>(`/api/v1/schedules/${encodeURIComponent(name)}/preview${query({ from, count })}`, signal),
  queue: (signal?: AbortSignal) => get<QueueSnapshot>("/api/v1/queue", signal),
  cancelRun: (id: string, reason: string) => post<RunDetails>(`/api/v1/runs/${encodeURIComponent(id)}/cancel`, { reason }),
  reexecuteRun: (id: string, fromFailure: boolean) => post<RunDetails>(`/api/v1/runs/${encodeURIComponent(id)}/reexecute`, { fromFailure }),
};

/** Reads every page of a paged list into one array. */
export async function all<T>(source: AsyncGenerator<T[]>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of source) items.push(...page);
  return items;
}

