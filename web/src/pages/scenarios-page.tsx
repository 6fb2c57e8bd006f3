import { useState } from "react";
import { useLocation } from "wouter";
import { useAutomations, useDeleteScenario, useScenarios, useTrigger } from "../api/queries.js";
import type { ScenarioView } from "../api/types.js";
import { DeleteButton } from "../components/delete-button.js";
import { PageHeader } from "../components/layout.js";
import { Empty, QueryState } from "../components/states.js";
import { ScenarioForm } from "../forms/scenario-form.js";

function describeLoad(load: Record<string, unknown>): string {
  if (load.model === "closed")
    return `${load.jobs ?? "∞"} jobs × ${load.concurrency ?? 1}${load.duration ? ` for ${load.duration}` : ""}`;
  if (load.model === "open") return `${load.rate}/s for ${load.duration}`;
  return String(load.model);
}

function TriggerButton({ scenario }: { scenario: ScenarioView }) {
  const trigger = useTrigger();
  const [, navigate] = useLocation();
  return (
    <>
      <button
        type="button"
        className="primary"
        disabled={trigger.isPending}
        aria-label={`Trigger a run of ${scenario.name}`}
        onClick={() => trigger.mutate(scenario.id, { onSuccess: (run) => navigate(`/runs/${run.id}`) })}
      >
        {trigger.isPending ? "Triggering…" : "Trigger run"}
      </button>
      {trigger.error && (
        <span className="inline-error" role="alert">
          {trigger.error.message}
        </span>
      )}
    </>
  );
}

export function ScenariosPage() {
  const scenarios = useScenarios();
  const automations = useAutomations();
  const remove = useDeleteScenario();
  const [editing, setEditing] = useState<ScenarioView | "new" | null>(null);
  const automationName = (id: number) => automations.data?.find((a) => a.id === id)?.name ?? `#${id}`;
  const noAutomation = automations.data?.length === 0;
  return (
    <>
      <PageHeader title="Scenarios">
        <button
          type="button"
          className="primary"
          onClick={() => setEditing("new")}
          disabled={editing !== null}
        >
          New scenario
        </button>
      </PageHeader>
      <p className="lede">How an automation is exercised: a load, thresholds, inputs.</p>
      {editing && (
        <div className="panel">
          {noAutomation && <p className="form-errors">Create an automation first: a scenario runs one.</p>}
          <ScenarioForm
            key={editing === "new" ? "new" : editing.id}
            {...(editing === "new" ? {} : { existing: editing })}
            onDone={() => setEditing(null)}
          />
        </div>
      )}
      <QueryState query={scenarios} label="Loading scenarios…">
        {(items) =>
          items.length === 0 ? (
            <Empty title="No scenarios yet">
              <p>A scenario puts an automation under load; create one, then trigger a run.</p>
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Scenarios</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Automation</th>
                    <th scope="col">Load</th>
                    <th scope="col">Thresholds</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((s) => (
                    <tr key={s.id}>
                      <td data-label="Name">
                        <strong>{s.name}</strong>
                        {s.tags.length > 0 && <div className="muted">{s.tags.join(", ")}</div>}
                      </td>
                      <td data-label="Automation">{automationName(s.automation_id)}</td>
                      <td data-label="Load">{describeLoad(s.load)}</td>
                      <td data-label="Thresholds" className="mono">
                        {s.thresholds.join(", ") || "–"}
                      </td>
                      <td className="row-actions">
                        <TriggerButton scenario={s} />
                        <button type="button" onClick={() => setEditing(s)} aria-label={`Edit ${s.name}`}>
                          Edit
                        </button>
                        <DeleteButton what={s.name} onDelete={() => remove.mutateAsync({ id: s.id })} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </>
  );
}
