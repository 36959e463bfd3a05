import { lazy, StrictMode, Suspense, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { Shell } from "./components/Shell";
import { stream } from "./live";
import { parseRoute, useLocation } from "./router";
import { LineagePage } from "./lineage/LineagePage";
import "./styles.css";

// The start page is in the first bundle; the others load when first opened.
const CatalogPage = lazy(() => import("./pages/CatalogPage").then((m) => ({ default: m.CatalogPage })));
const AssetPage = lazy(() => import("./pages/AssetPage").then((m) => ({ default: m.AssetPage })));
const RunsPage = lazy(() => import("./pages/RunsPage").then((m) => ({ default: m.RunsPage })));
const RunPage = lazy(() => import("./pages/RunPage").then((m) => ({ default: m.RunPage })));
const DeploymentPage = lazy(() => import("./pages/DeploymentPage").then((m) => ({ default: m.DeploymentPage })));
const JobsPage = lazy(() => import("./pages/JobsPage").then((m) => ({ default: m.JobsPage })));
const JobPage = lazy(() => import("./pages/JobPage").then((m) => ({ default: m.JobPage })));
const AutomationPage = lazy(() => import("./pages/AutomationPage").then((m) => ({ default: m.AutomationPage })));
const AutomationItemPage = lazy(() => import("./pages/AutomationItemPage").then((m) => ({ default: m.AutomationItemPage })));
const QueuePage = lazy(() => import("./pages/QueuePage").then((m) => ({ default: m.QueuePage })));

const titles: Record<string, string> = {
  lineage: "Lineage", catalog: "Assets", runs: "Runs", deployment: "Deployment", jobs: "Jobs", automation: "Schedules and sensors", queue: "Queue",
};

function App() {
  const path = useLocation().split("?")[0] ?? "/";
  const route = parseRoute(path);
  useEffect(() => {
    const what =
      route.page === "asset" ? route.key
      : route.page === "run" ? `Run ${route.id.slice(0, 8)}`
      : route.page === "job" || route.page === "automationItem" ? route.name
      : titles[route.page] ?? "Not found";
    document.title = `${what} · OrleansAssets`;
  }, [route]);
  useEffect(() => stream.start(), []);
  return (
    <Shell>
      <Suspense fallback={<div className="page muted">Loading…</div>}>
        {route.page === "lineage" && <LineagePage />}
        {route.page === "catalog" && <CatalogPage />}
        {route.page === "asset" && <AssetPage key={route.key} assetKey={route.key} />}
        {route.page === "runs" && <RunsPage />}
        {route.page === "run" && <RunPage key={route.id} runId={route.id} />}
        {route.page === "deployment" && <DeploymentPage />}
        {route.page === "jobs" && <JobsPage />}
        {route.page === "job" && <JobPage key={route.name} name={route.name} />}
        {route.page === "automation" && <AutomationPage />}
        {route.page === "automationItem" && <AutomationItemPage key={`${route.kind}/${route.name}`} kind={route.kind} name={route.name} />}
        {route.page === "queue" && <QueuePage />}
        {route.page === "notFound" && (
          <div className="page">
            <h1>Not found</h1>
            <p>The dashboard has no page at {route.path}.</p>
          </div>
        )}
      </Suspense>
    </Shell>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
