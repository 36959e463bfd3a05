import type { JobInfo, StepSpec } from "../types";

/** An op is a step that materializes nothing: the API says so by its kind (or the job lists it among its ops). */
export const isOp = (step: StepSpec, info?: JobInfo) =>
  step.kind === "op" || step.isOp === true || (info?.job.ops ?? []).includes(step.key);

/** The job's default run config, as JSON text (whichever name the API gives it). */
export const defaultConfigOf = (info: JobInfo) => info.job.defaultConfig ?? info.job.config;

/** Pretty-printed when it is JSON, as given when it is not. */
export function prettyJson(text: string | undefined, empty = "{}"): string {
  if (!text || !text.trim()) return empty;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
