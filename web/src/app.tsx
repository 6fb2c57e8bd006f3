import { lazy, Suspense } from "react";
import { Route, Switch } from "wouter";
import { Layout } from "./components/layout.js";
import { SessionGate } from "./components/session-gate.js";
import { Empty, Loading } from "./components/states.js";
import { DashboardPage } from "./pages/dashboard-page.js";

// The dashboard is in the first bundle (it is the first screen); other pages load on demand.
const RunsPage = lazy(() => import("./pages/runs-page.js").then((m) => ({ default: m.RunsPage })));
const RunDetailPage = lazy(() =>
  import("./pages/run-detail-page.js").then((m) => ({ default: m.RunDetailPage })),
);
const ScenariosPage = lazy(() =>
  import("./pages/scenarios-page.js").then((m) => ({ default: m.ScenariosPage })),
);
const AutomationsPage = lazy(() =>
  import("./pages/automations-page.js").then((m) => ({ default: m.AutomationsPage })),
);
const SchedulesPage = lazy(() =>
  import("./pages/schedules-page.js").then((m) => ({ default: m.SchedulesPage })),
);
const RightsizingPage = lazy(() =>
  import("./pages/rightsizing-page.js").then((m) => ({ default: m.RightsizingPage })),
);

export function App() {
  return (
    <Layout>
      <SessionGate>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/" component={DashboardPage} />
            <Route path="/runs" component={RunsPage} />
            <Route path="/runs/:id">
              {(params) =>
                /^[1-9]\d*$/.test(params.id) ? (
                  <RunDetailPage key={params.id} id={Number(params.id)} />
                ) : (
                  <Empty title="No such run" />
                )
              }
            </Route>
            <Route path="/scenarios" component={ScenariosPage} />
            <Route path="/automations" component={AutomationsPage} />
            <Route path="/schedules" component={SchedulesPage} />
            <Route path="/rightsizing">
              <RightsizingPage />
            </Route>
            <Route path="/rightsizing/experiments">
              <RightsizingPage view="experiments" />
            </Route>
            <Route path="/rightsizing/experiments/:id">
              {(params) =>
                /^[1-9]\d*$/.test(params.id) ? (
                  <RightsizingPage view="experiments" id={Number(params.id)} />
                ) : (
                  <Empty title="No such experiment" />
                )
              }
            </Route>
            <Route path="/rightsizing/:id">
              {(params) =>
                /^[1-9]\d*$/.test(params.id) ? (
                  <RightsizingPage id={Number(params.id)} />
                ) : (
                  <Empty title="No such recommendation" />
                )
              }
            </Route>
            <Route>
              <Empty title="Page not found">
                <p>Nothing lives at this address; pick a page above.</p>
              </Empty>
            </Route>
          </Switch>
        </Suspense>
      </SessionGate>
    </Layout>
  );
}
