// The REST API's JSON (camelCase, enums as camelCase words, nulls omitted), as the gateway serves it.

export type AssetStatus = "never" | "materializing" | "materialized" | "failed" | "stale";
export const assetStatuses: AssetStatus[] = ["never", "materializing", "materialized", "failed", "stale"];

export type RunStatus = "queued" | "started" | "success" | "failure" | "canceled";
export const runStatuses: RunStatus[] = ["queued", "started", "success", "failure", "canceled"];

export type StepStatus = "pending" | "running" | "success" | "failure" | "skipped" | "canceled";

export interface Page<T> {
  items: T[];
  next?: string | null;
}

export type StaleReasonKind = "neverMaterialized" | "codeVersionChanged" | "upstreamCodeVersionChanged" | "upstreamMaterialized";

/** One reason an asset is behind; `message` is the sentence every surface shows ("code version changed (v1 → v2)"). */
export interface StaleReason {
  kind: StaleReasonKind;
  upstream?: string;
  from?: string;
  to?: string;
  message: string;
}

export interface AssetSummary {
  key: string;
  description?: string;
  group?: string;
  codeLocation?: string;
  dependencies?: string[];
  status: AssetStatus;
  lastMaterializedAt?: string;
  lastRunId?: string;
  tags?: Record<string, string>;
  codeVersion?: string;
  staleReasons?: StaleReason[];
  owners?: string[];
  kinds?: string[];
  isExternal?: boolean;
  multiAsset?: string;
}

export type MetadataEntry =
  | { type: "int"; value: number }
  | { type: "float"; value: number | string }
  | { type: "bool"; value: boolean }
  | { type: "text" | "markdown" | "path" | "url"; value: string }
  | { type: "json"; value: unknown }
  | { type: "table"; value: TableValue };

export interface TableValue {
  columns: { name: string; type?: string }[];
  rows: unknown[][];
  totalRows?: number;
}

export interface Materialization {
  assetKey: string;
  runId: string;
  timestamp: string;
  durationMs?: number;
  dataVersion?: string;
  metadata?: Record<string, MetadataEntry>;
  consumedUpstream?: Record<string, string>;
  codeLocation?: string;
  attempt?: number;
  valueLocation?: string;
  codeVersion?: string;
  upstreamCodeVersions?: Record<string, string | null>;
  /** Reported for an external asset (oa report), not made by a run: runId is the report's id and no run page exists. */
  reported?: boolean;
}

export interface ErrorInfo {
  type?: string;
  message?: string;
  stackTrace?: string;
  fromUserCode?: boolean;
}

/** When a failure of a step's code is tried again. */
export interface RetryPolicy {
  maxAttempts: number;
  delayMs: number;
  exponential?: boolean;
  maxDelayMs?: number;
  jitter?: number;
  neverRetry?: string[];
}

export interface AssetDetails {
  key: string;
  description?: string;
  group?: string;
  codeLocation?: string;
  tags?: Record<string, string>;
  owners?: string[];
  dependencies?: string[];
  dependents?: string[];
  status: AssetStatus;
  staleBecause?: string[];
  codeVersion?: string;
  staleReasons?: StaleReason[];
  kinds?: string[];
  external?: boolean;
  multiAsset?: string;
  subsettable?: boolean;
  retry?: RetryPolicy;
  latestMaterialization?: Materialization;
  lastFailure?: { runId: string; timestamp: string; error?: ErrorInfo };
  history?: Materialization[];
}

export interface LineageNode {
  key: string;
  group?: string;
  codeLocation?: string;
  status: AssetStatus;
  lastMaterializedAt?: string;
  description?: string;
  codeVersion?: string;
  staleReasons?: StaleReason[];
  kinds?: string[];
  owners?: string[];
  isExternal?: boolean;
  multiAsset?: string;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
}

export type RunEventType =
  | "runQueued" | "runStarted" | "runSuccess" | "runFailure" | "runCanceled"
  | "stepStarted" | "stepSucceeded" | "stepFailed" | "stepSkipped" | "stepWaiting"
  | "materialization" | "log" | "stepCanceled" | "runCanceling";
export const runEventTypes: RunEventType[] = [
  "runQueued", "runStarted", "runCanceling", "runSuccess", "runFailure", "runCanceled",
  "stepStarted", "stepSucceeded", "stepFailed", "stepSkipped", "stepWaiting", "stepCanceled",
  "materialization", "log",
];

export type LogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical";
export const logLevels: LogLevel[] = ["trace", "debug", "information", "warning", "error", "critical"];

export interface RunEvent {
  sequence: number;
  runId: string;
  timestamp: string;
  type: RunEventType;
  assetKey?: string;
  message?: string;
  level?: LogLevel;
  metadata?: Record<string, MetadataEntry>;
  error?: ErrorInfo;
  attempt?: number;
  durationMs?: number;
  dataVersion?: string;
  willRetry?: boolean;
  silo?: string;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  selection?: string;
  assetKeys?: string[];
  tags?: Record<string, string>;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** The API gives the run's error as one line; older shapes gave an object. */
  error?: ErrorInfo | string;
}

export interface RunStep {
  assetKey: string;
  status: StepStatus;
  attempts?: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: ErrorInfo;
  silo?: string;
}

export interface RunDetails extends RunSummary {
  steps?: RunStep[];
  events?: RunEvent[];
  /** For a queued run: its place in the queue, 1 being the next to start. */
  queuePosition?: number;
  priority?: number;
  cancelRequestedBy?: string;
  job?: string;
  ops?: string[];
  config?: string;
  /** Of a re-execution: the run it re-executes, and the first run of the chain. */
  parentRunId?: string;
  rootRunId?: string;
}

export interface AssetStateEvent {
  assetKey: string;
  status: AssetStatus;
  runId?: string;
  timestamp?: string;
}

export interface CodeLocation {
  name: string;
  assembly?: string;
  version?: string;
  assetCount?: number;
  silos?: string[];
}

export type SiloStatus = "active" | "joining" | "shuttingDown" | "dead";

export interface Silo {
  address: string;
  name?: string;
  hostName?: string;
  status: SiloStatus;
  codeLocations?: string[];
  startedAt?: string;
  gateway?: boolean | string;
}

export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  /** What some problems add: the step and the field of a run config that does not fit. */
  step?: string;
  field?: string;
  errors?: Record<string, string[]>;
}

// Jobs, ops and run config.

export interface ConfigField {
  name: string;
  type: string;
  required?: boolean;
}

/** A step of a job: an asset, or an op (which materializes nothing and is not in the lineage). */
export interface StepSpec {
  key: string;
  description?: string;
  group?: string;
  codeLocation?: string;
  tags?: Record<string, string>;
  owners?: string[];
  dependencies?: string[];
  inputs?: string[];
  /** "asset" or "op"; left out (or "asset") for an asset. */
  kind?: "asset" | "op";
  isOp?: boolean;
  config?: ConfigField[];
}

export interface JobSpec {
  name: string;
  description?: string;
  selection?: string;
  ops?: string[];
  tags?: Record<string, string>;
  priority?: number;
  /** The default run config, as JSON text (an object by step key). */
  defaultConfig?: string;
  config?: string;
  codeLocation?: string;
}

export interface JobInfo {
  job: JobSpec;
  steps?: StepSpec[];
}

// Schedules and sensors.

export type AutomationStatus = "running" | "stopped";
export type SensorKind = "function" | "asset" | "runStatus";
export type TickStatus = "started" | "skipped" | "failed";

export interface TickRecord {
  name: string;
  at: string;
  status: TickStatus;
  runIds?: string[];
  message?: string;
  cursor?: string;
  recordedAt?: string;
}

export interface AutomationInfo {
  name: string;
  status: AutomationStatus;
  codeLocation?: string;
  job?: string;
  selection?: string;
  description?: string;
  cron?: string;
  timeZone?: string;
  sensorKind?: SensorKind;
  /** A TimeSpan as .NET writes it: "00:00:05", "1.02:00:00". */
  interval?: string;
  nextTicks?: string[];
  lastTick?: TickRecord;
  assets?: string[];
  cursor?: string;
}

// The run queue.

export interface QueuedRun {
  runId: string;
  position: number;
  priority?: number;
  createdAt?: string;
  tags?: Record<string, string>;
  waitingFor?: string;
}

export interface TagLimit {
  key: string;
  value?: string;
  limit: number;
}

export interface QueueSnapshot {
  queued?: QueuedRun[];
  running?: string[];
  maxConcurrentRuns?: number;
  tagLimits?: TagLimit[];
}
