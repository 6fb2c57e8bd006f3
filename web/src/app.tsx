import { Route, Switch } from "wouter";
import { Layout } from "./components/layout.js";
import { Empty } from "./components/states.js";
import { AutomationsPage } from "./pages/automations-page.js";
import { DashboardPage } from "./pages/dashboard-page.js";
import { RunDetailPage } from "./pages/run-detail-page.js";
import { RunsPage } from "./pages/runs-page.js";
import { ScenariosPage } from "./pages/scenarios-page.js";
import { SchedulesPage } from "./pages/schedules-page.js";

export function App() {
  return (
    <Layout>
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
        <Route>
          <Empty title="Page not found">
            <p>Nothing lives at this address; pick a page above.</p>
          </Empty>
        </Route>
      </Switch>
    </Layout>
  );
}
