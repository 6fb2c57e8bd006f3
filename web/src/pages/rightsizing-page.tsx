import { useState } from "react";
import { Link, useLocation } from "wouter";
import { useSession } from "../api/queries.js";
import { PageHeader } from "../components/layout.js";
import { CreateRecommendationForm } from "../rightsizing/create-form.js";
import { ExperimentForm } from "../rightsizing/experiment-form.js";
import { ExperimentDetail, ExperimentList } from "../rightsizing/experiments-panel.js";
import { RecommendationDetail } from "../rightsizing/recommendation-detail.js";
import { RecommendationList } from "../rightsizing/recommendation-list.js";

type View = "recommendations" | "experiments";

function Tabs({ view }: { view: View }) {
  const tabs: [View, string, string][] = [
    ["recommendations", "Recommendations", "/rightsizing"],
    ["experiments", "Load experiments", "/rightsizing/experiments"],
  ];
  return (
    <nav className="rs-tabs" aria-label="Rightsizing">
      {tabs.map(([key, label, href]) => (
        <Link
          key={key}
          href={href}
          className={key === view ? "nav-link active" : "nav-link"}
          aria-current={key === view ? "page" : undefined}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}

/**
 * Rightsizing: the recommendations (usage → forecast → CPU and memory requests and limits, beside
 * VPA's and KRR's, and replicas per workload from a Prometheus), a form to make one from a CSV or
 * a Prometheus, and the selected one drawn per series; and the load experiments with their steps.
 */
export function RightsizingPage({ view = "recommendations", id }: { view?: View; id?: number }) {
  const session = useSession();
  const [, navigate] = useLocation();
  // The view whose create form is open (a form opened on one tab is not shown on the other).
  const [open, setOpen] = useState<View | null>(null);
  const creating = open === view;
  const setCreating = (shown: boolean) => setOpen(shown ? view : null);
  // Read-only keys see no create form (the API would refuse it with a 403 anyway).
  const canWrite = session.data !== undefined && session.data.scope !== "read";
  return (
    <>
      <PageHeader title="Rightsizing">
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)} disabled={creating}>
            {view === "recommendations" ? "New recommendation" : "New experiment"}
          </button>
        )}
      </PageHeader>
      <p className="lede">
        CPU and memory requests and limits from usage history and its forecast, with the VPA recommender's and
        KRR's answers for the same data, and replicas per workload; load experiments measure the capacity per
        replica.
      </p>
      <Tabs view={view} />
      {view === "experiments" ? (
        <>
          {creating && canWrite && (
            <div className="panel">
              <ExperimentForm
                onCancel={() => setCreating(false)}
                onStarted={(created) => {
                  setCreating(false);
                  navigate(`/rightsizing/experiments/${created.id}`);
                }}
              />
            </div>
          )}
          <section className="panel" aria-labelledby="rs-experiments-heading">
            <h2 id="rs-experiments-heading">Load experiments</h2>
            <ExperimentList selected={id} />
          </section>
          {id !== undefined && <ExperimentDetail key={id} id={id} canWrite={canWrite} />}
        </>
      ) : (
        <>
          {creating && canWrite && (
            <div className="panel">
              <CreateRecommendationForm
                onCancel={() => setCreating(false)}
                onCreated={(created) => {
                  setCreating(false);
                  navigate(`/rightsizing/${created.id}`);
                }}
              />
            </div>
          )}
          <section className="panel" aria-labelledby="rs-list-heading">
            <h2 id="rs-list-heading">Recommendations</h2>
            <RecommendationList selected={id} />
          </section>
          {id !== undefined && <RecommendationDetail key={id} id={id} />}
        </>
      )}
    </>
  );
}
