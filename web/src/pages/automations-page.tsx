import { useState } from "react";
import { useAutomations, useDeleteAutomation } from "../api/queries.js";
import type { AutomationView } from "../api/types.js";
import { DeleteButton } from "../components/delete-button.js";
import { PageHeader } from "../components/layout.js";
import { Empty, QueryState } from "../components/states.js";
import { AutomationForm } from "../forms/automation-form.js";

/** What an automation does, in a few words. */
function describe(a: AutomationView): string {
  const c = a.config as Record<string, unknown>;
  if (a.kind === "synthetic")
    return `${c.duration_ms} ms ${c.distribution ?? "fixed"}, failure rate ${c.failure_rate ?? 0}`;
  if (a.kind === "http") return `${c.method ?? "GET"} ${c.url}`;
  return String(c.url ?? "");
}

export function AutomationsPage() {
  const automations = useAutomations();
  const remove = useDeleteAutomation();
  const [editing, setEditing] = useState<AutomationView | "new" | null>(null);
  return (
    <>
      <PageHeader title="Automations">
        <button
          type="button"
          className="primary"
          onClick={() => setEditing("new")}
          disabled={editing !== null}
        >
          New automation
        </button>
      </PageHeader>
      <p className="lede">What is exercised: a synthetic job, an HTTP endpoint or a TinyFish web agent.</p>
      {editing && (
        <div className="panel">
          <AutomationForm
            key={editing === "new" ? "new" : editing.id}
            {...(editing === "new" ? {} : { existing: editing })}
            onDone={() => setEditing(null)}
          />
        </div>
      )}
      <QueryState query={automations} label="Loading automations…">
        {(items) =>
          items.length === 0 ? (
            <Empty title="No automations yet">
              <p>Create one to say what a scenario's runs exercise.</p>
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Automations</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Does</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <td data-label="Name">
                        <strong>{a.name}</strong>
                        {a.description && <div className="muted">{a.description}</div>}
                      </td>
                      <td data-label="Kind">{a.kind}</td>
                      <td data-label="Does" className="mono">
                        {describe(a)}
                      </td>
                      <td className="row-actions">
                        <button type="button" onClick={() => setEditing(a)} aria-label={`Edit ${a.name}`}>
                          Edit
                        </button>
                        <DeleteButton
                          what={a.name}
                          forceLabel="Delete with its scenarios"
                          onDelete={(force) =>
                            remove.mutateAsync({ id: a.id, ...(force ? { query: { cascade: "true" } } : {}) })
                          }
                        />
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
