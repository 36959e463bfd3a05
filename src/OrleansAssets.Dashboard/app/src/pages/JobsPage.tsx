import { useEffect, useState } from "react";
import { ApiError } from "../api";
import { daemonApi, all } from "../daemon/api";
import "../daemon/daemon.css";
import { isOp } from "../daemon/jobs";
import { plural } from "../format";
import { href, Link } from "../router";
import type { JobInfo } from "../types";

export function JobsPage() {
  const [jobs, setJobs] = useState<JobInfo[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    all(daemonApi.jobs(abort.signal)).then(
      (items) => setJobs(items),
      (e) => !abort.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)),
    );
    return () => abort.abort();
  }, []);
  return (
    <div className="page jobs-page">
      <h1>Jobs</h1>
      {error && <p className="error" role="alert">Could not read the jobs: {error}</p>}
      {!jobs && !error && <p className="muted">Reading the jobs…</p>}
      {jobs && jobs.length === 0 && <p className="muted">No jobs: no code location declares one.</p>}
      {jobs && jobs.length > 0 && (
        <table className="list" data-testid="jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Description</th>
              <th>Steps</th>
              <th>Tags</th>
              <th>Code location</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((info) => {
              const steps = info.steps ?? [];
              const ops = steps.filter((s) => isOp(s, info)).length;
              return (
                <tr key={`${info.job.codeLocation}/${info.job.name}`} data-job={info.job.name}>
                  <td className="mono">
                    <Link to={href.job(info.job.name)}>{info.job.name}</Link>
                  </td>
                  <td className="desc">{info.job.description}</td>
                  <td className="steps-cell" title={steps.map((s) => s.key).join(", ")}>
                    {plural(steps.length, "step")}
                    {ops > 0 && <span className="muted"> ({plural(steps.length - ops, "asset")}, {plural(ops, "op")})</span>}
                  </td>
                  <td>
                    {Object.entries(info.job.tags ?? {}).map(([k, v]) => (
                      <span key={k} className="tag">
                        {k}
                        {v ? `=${v}` : ""}
                      </span>
                    ))}
                  </td>
                  <td>{info.job.codeLocation}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
