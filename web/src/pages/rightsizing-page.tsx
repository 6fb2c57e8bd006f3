import { useState } from "react";
import { useLocation } from "wouter";
import { useSession } from "../api/queries.js";
import { PageHeader } from "../components/layout.js";
import { CreateRecommendationForm } from "../rightsizing/create-form.js";
import { RecommendationDetail } from "../rightsizing/recommendation-detail.js";
import { RecommendationList } from "../rightsizing/recommendation-list.js";

/**
 * Rightsizing: the recommendations (usage → forecast → CPU and memory requests and limits, beside
 * VPA's and KRR's), a form to make one from a CSV, and the selected one drawn per series.
 */
export function RightsizingPage({ id }: { id?: number }) {
  const session = useSession();
  const [, navigate] = useLocation();
  const [creating, setCreating] = useState(false);
  // Read-only keys see no create form (the API would refuse it with a 403 anyway).
  const canWrite = session.data !== undefined && session.data.scope !== "read";
  return (
    <>
      <PageHeader title="Rightsizing">
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)} disabled={creating}>
            New recommendation
          </button>
        )}
      </PageHeader>
      <p className="lede">
        CPU and memory requests and limits from usage history and its forecast, with the VPA recommender's and
        KRR's answers for the same data.
      </p>
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
  );
}
