import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo, useState } from "react";
import { ApiError } from "../api";
import { daemonApi } from "../daemon/api";
import { rememberRun } from "../components/runs";
import "../daemon/daemon.css";
import { defaultConfigOf, isOp, prettyJson } from "../daemon/jobs";
import { plural } from "../format";
import { assetSize } from "../lineage/sizes";
import { useAssetState } from "../live";
import { href, Link, navigate } from "../router";
import type { JobInfo, Problem, StepSpec } from "../types";

type StepNodeData = { key: string; op: boolean; description?: string; group?: string };
type StepNode = Node<StepNodeData, "step">;

export function JobPage({ name }: { name: string }) {
  const [info, setInfo] = useState<JobInfo>();
  const [error, setError] = useState<{ status: number; message: string }>();
  // A draft left by a launch that was sent to sign in reopens the launchpad as the user left it.
  const [launching, setLaunching] = useState(() => readDraft(name) !== undefined);
  useEffect(() => {
    const abort = new AbortController();
    daemonApi.job(name, abort.signal).then(setInfo, (e) => {
      if (!abort.signal.aborted) setError({ status: e instanceof ApiError ? e.status : 0, message: e instanceof Error ? e.message : String(e) });
    });
    return () => abort.abort();
  }, [name]);

  if (error)
    return (
      <div className="page">
        <h1 className="mono">{name}</h1>
        <p className="error" role="alert">
          {error.status === 404 ? `There is no job '${name}'.` : `Could not read the job: ${error.message}`}
        </p>
        <Link to={href.jobs()}>All jobs</Link>
      </div>
    );
  if (!info)
    return (
      <div className="page">
        <h1 className="mono">{name}</h1>
        <p className="muted">Reading…</p>
      </div>
    );
  const steps = info.steps ?? [];
  const ops = steps.filter((s) => isOp(s, info));
  return (
    <div className="page job-page" data-job={info.job.name}>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to={href.jobs()}>Jobs</Link>
          </p>
          <h1 className="mono">{info.job.name}</h1>
        </div>
        <button className="primary" onClick={() => setLaunching(true)}>
          Launch
        </button>
      </div>
      {info.job.description && <p className="description">{info.job.description}</p>}
      <div className="facts">
        <div className="fact">
          <div className="fact-label">Selection</div>
          <div className="fact-value mono">{info.job.selection || "(its ops only)"}</div>
        </div>
        <div className="fact">
          <div className="fact-label">Steps</div>
          <div className="fact-value">
            {plural(steps.length - ops.length, "asset")}, {plural(ops.length, "op")}
          </div>
        </div>
        <div className="fact">
          <div className="fact-label">Priority</div>
          <div className="fact-value">{info.job.priority ?? 0}</div>
        </div>
        <div className="fact">
          <div className="fact-label">Code location</div>
          <div className="fact-value">{info.job.codeLocation}</div>
        </div>
        {info.job.tags && Object.keys(info.job.tags).length > 0 && (
          <div className="fact">
            <div className="fact-label">Tags</div>
            <div className="fact-value">
              {Object.entries(info.job.tags).map(([k, v]) => (
                <span key={k} className="tag">
                  {k}
                  {v ? `=${v}` : ""}
                </span>
              ))}
            </div>
          </div>
        )}
      </div>
      <section aria-labelledby="graph-heading">
        <h2 id="graph-heading">Steps</h2>
        <div className="legend">
          <span>
            <span className="swatch" />
            asset
          </span>
          <span>
            <span className="swatch op" />
            op (materializes nothing)
          </span>
        </div>
        <JobGraph info={info} />
        <table className="list steps-table">
          <thead>
            <tr>
              <th>Step</th>
              <th>Kind</th>
              <th>Depends on</th>
              <th>Run config</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.key} data-step-key={s.key} data-kind={isOp(s, info) ? "op" : "asset"}>
                <td className="mono">{isOp(s, info) ? s.key : <Link to={href.asset(s.key)}>{s.key}</Link>}</td>
                <td>{isOp(s, info) ? "op" : "asset"}</td>
                <td className="mono small">{(s.dependencies ?? []).join(", ")}</td>
                <td className="mono small">{(s.config ?? []).map((f) => `${f.name}: ${f.type}${f.required ? " (required)" : ""}`).join(", ")}</td>
                <td className="desc">{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {launching && <Launchpad info={info} onClose={() => setLaunching(false)} />}
    </div>
  );
}

/** The job's assets and ops as a graph, laid out by the lineage's dagre layout (one group: the job). */
function JobGraph({ info }: { info: JobInfo }) {
  const steps = useMemo(() => info.steps ?? [], [info]);
  const [nodes, setNodes] = useState<StepNode[]>();
  const edges = useMemo<Edge[]>(() => {
    const keys = new Set(steps.map((s) => s.key));
    return steps.flatMap((s) =>
      (s.dependencies ?? [])
        .filter((d) => keys.has(d))
        .map((d) => ({ id: `${d}\u2192${s.key}`, source: d, target: s.key, markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 } })),
    );
  }, [steps]);
  useEffect(() => {
    let alive = true;
    void import("../lineage/layout").then(({ Layouter }) => {
      const layouter = new Layouter({ groups: [{ id: "job", keys: steps.map((s) => s.key) }], edges: edges.map((e) => [e.source, e.target]) });
      const result = layouter.layout(["job"]);
      if (!alive) return;
      setNodes(
        steps.map((s: StepSpec) => ({
          id: s.key,
          type: "step",
          position: result.assets[s.key] ?? { x: 0, y: 0 },
          width: assetSize.width,
          height: assetSize.height,
          data: { key: s.key, op: isOp(s, info), description: s.description, group: s.group },
        })),
      );
    });
    return () => {
      alive = false;
    };
  }, [steps, edges, info]);
  return (
    <div className="job-graph" data-testid="job-graph" data-ready={nodes ? "true" : undefined}>
      {nodes && (
        <ReactFlow<StepNode, Edge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
          nodesDraggable={false}
          nodesConnectable={false}
          onNodeDoubleClick={(_, node) => !node.data.op && navigate(href.asset(node.data.key))}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={24} />
          <Controls showInteractive={false} />
        </ReactFlow>
      )}
    </div>
  );
}

const StepNodeView = memo(function StepNodeView({ data }: NodeProps<StepNode>) {
  const state = useAssetState(data.key);
  const status = data.op ? undefined : state?.status;
  return (
    <div
      className={`step-node kind-${data.op ? "op" : "asset"}${status ? ` status-${status}` : ""}`}
      data-step-key={data.key}
      data-kind={data.op ? "op" : "asset"}
      title={data.description}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="step-head">
        <span className="asset-key" title={data.key}>
          {data.key}
        </span>
        {!data.op && (
          <Link to={href.asset(data.key)} className="open-link" aria-label={`Open ${data.key}`} onClick={(e) => e.stopPropagation()}>
            ↗
          </Link>
        )}
      </div>
      <div className="step-kind">
        {data.op ? "op" : `asset${data.group ? ` · ${data.group}` : ""}`}
        {status ? ` · ${status === "never" ? "never materialized" : status}` : ""}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { step: StepNodeView };

/** "k=v" a line, blank lines ignored; a line without '=' is a problem, said in words. */
function parseTags(text: string): { tags: Record<string, string>; error?: string } {
  const tags: Record<string, string> = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return { tags, error: `Tag line ${i + 1} ('${line}') is not key=value.` };
    const key = line.slice(0, eq).trim();
    if (key in tags) return { tags, error: `The tag '${key}' is given twice.` };
    tags[key] = line.slice(eq + 1).trim();
  }
  return { tags };
}

interface Draft {
  config: string;
  tags: string;
}

const draftKey = (job: string) => `oa-launchpad:${job}`;

function readDraft(job: string): Draft | undefined {
  try {
    const text = sessionStorage.getItem(draftKey(job));
    return text ? (JSON.parse(text) as Draft) : undefined;
  } catch {
    return undefined;
  }
}

function writeDraft(job: string, draft: Draft | undefined): void {
  try {
    if (draft) sessionStorage.setItem(draftKey(job), JSON.stringify(draft));
    else sessionStorage.removeItem(draftKey(job));
  } catch {
    // Storage is off: a trip to sign in loses the draft, nothing else.
  }
}

/**
 * What the user typed stays as typed across a refusal, and across a trip to sign in (the draft waits in this tab's
 * session storage while a submit is under way): only Close or a launched run forgets it.
 */
function Launchpad({ info, onClose }: { info: JobInfo; onClose: () => void }) {
  const [draft] = useState(() => readDraft(info.job.name));
  const [config, setConfig] = useState(() => draft?.config ?? prettyJson(defaultConfigOf(info)));
  const [tags, setTags] = useState(draft?.tags ?? "");
  const close = () => {
    writeDraft(info.job.name, undefined);
    onClose();
  };
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const configured = (info.steps ?? []).filter((s) => (s.config ?? []).length > 0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && close();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const submit = async () => {
    setProblem(undefined);
    const parsedTags = parseTags(tags);
    if (parsedTags.error) return setProblem({ title: "Bad tags", detail: parsedTags.error });
    let parsedConfig: unknown;
    if (config.trim()) {
      try {
        parsedConfig = JSON.parse(config);
      } catch (e) {
        return setProblem({ title: "The run config is not JSON", detail: e instanceof Error ? e.message : String(e) });
      }
    }
    setBusy(true);
    writeDraft(info.job.name, { config, tags });
    try {
      const run = await daemonApi.launchJob(info.job.name, parsedConfig === undefined ? { tags: parsedTags.tags } : { tags: parsedTags.tags, config: parsedConfig });
      writeDraft(info.job.name, undefined);
      rememberRun(run.runId);
      navigate(href.run(run.runId));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // On the way to sign in, the draft kept.
      writeDraft(info.job.name, undefined);
      setProblem(e instanceof ApiError ? e.problem : { title: "Could not launch", detail: String(e) });
      setBusy(false);
    }
  };

  return (
    <div className="launchpad-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && close()}>
      <div className="launchpad" role="dialog" aria-modal="true" aria-labelledby="launchpad-title">
        <h2 id="launchpad-title">
          Launch <span className="mono">{info.job.name}</span>
        </h2>
        <div className="launchpad-body">
          <div>
            <label htmlFor="launch-config">Run config (JSON, an object by step key)</label>
            <textarea id="launch-config" className="config" spellCheck={false} value={config} onChange={(e) => setConfig(e.target.value)} />
            <label htmlFor="launch-tags">Tags (one key=value a line, besides the job's own)</label>
            <textarea id="launch-tags" className="tags" spellCheck={false} placeholder="owner=me" value={tags} onChange={(e) => setTags(e.target.value)} />
          </div>
          <div className="schema">
            <strong>What the steps take</strong>
            {configured.length === 0 && <p className="muted">No step of this job takes run config.</p>}
            {configured.map((s) => (
              <div key={s.key}>
                <span className="mono">{s.key}</span>
                <ul>
                  {(s.config ?? []).map((f) => (
                    <li key={f.name}>
                      <span className="mono">{f.name}</span>: {f.type}
                      {f.required ? " (required)" : ""}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
            {info.job.tags && Object.keys(info.job.tags).length > 0 && (
              <p className="muted">
                The job adds its tags:{" "}
                {Object.entries(info.job.tags)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(", ")}
              </p>
            )}
          </div>
        </div>
        {problem && (
          <div className="problem" role="alert" data-testid="launch-problem">
            {problem.title && <strong>{problem.title}: </strong>}
            {problem.detail}
          </div>
        )}
        <div className="actions">
          <button onClick={close} disabled={busy}>
            Close
          </button>
          <button className="primary" onClick={() => void submit()} disabled={busy}>
            {busy ? "Submitting…" : "Submit"}
          </button>
        </div>
      </div>
    </div>
  );
}
