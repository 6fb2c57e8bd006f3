import { useState } from "react";
import { Link } from "wouter";
import { useDeleteSchedule, useSaveSchedule, useScenarios, useSchedules } from "../api/queries.js";
import type { ScheduleView } from "../api/types.js";
import { DeleteButton } from "../components/delete-button.js";
import { PageHeader } from "../components/layout.js";
import { Empty, QueryState } from "../components/states.js";
import { count, when } from "../format.js";
import { ScheduleForm } from "../forms/schedule-form.js";

/** The schedule as written, with `enabled` flipped (PUT replaces the whole schedule). */
function toggled(s: ScheduleView) {
  return {
    scenario_id: s.scenario_id,
    enabled: !s.enabled,
    overlap: s.overlap,
    timezone: s.timezone,
    ...(s.cron !== null ? { cron: s.cron } : { interval_seconds: s.interval_seconds! }),
  };
}

function EnabledSwitch({ schedule }: { schedule: ScheduleView }) {
  const save = useSaveSchedule();
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        aria-checked={schedule.enabled}
        aria-label={`Schedule ${schedule.id} enabled`}
        checked={schedule.enabled}
        disabled={save.isPending}
        onChange={() => save.mutate({ id: schedule.id, body: toggled(schedule) })}
      />
      <span>{schedule.enabled ? "enabled" : "disabled"}</span>
      {save.error && (
        <span className="inline-error" role="alert">
          {save.error.message}
        </span>
      )}
    </label>
  );
}

export function SchedulesPage() {
  const schedules = useSchedules();
  const scenarios = useScenarios();
  const remove = useDeleteSchedule();
  const [creating, setCreating] = useState(false);
  const scenarioName = (id: number) => scenarios.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  return (
    <>
      <PageHeader title="Schedules">
        <button type="button" className="primary" onClick={() => setCreating(true)} disabled={creating}>
          New schedule
        </button>
      </PageHeader>
      <p className="lede">Scenarios run on a cron expression or an interval.</p>
      {creating && (
        <div className="panel">
          <ScheduleForm onDone={() => setCreating(false)} />
        </div>
      )}
      <QueryState query={schedules} label="Loading schedules…">
        {(items) =>
          items.length === 0 ? (
            <Empty title="No schedules yet">
              <p>Schedule a scenario to have it run by itself, e.g. every weekday at 9:00.</p>
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Schedules</caption>
                <thead>
                  <tr>
                    <th scope="col">Scenario</th>
                    <th scope="col">Timing</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Next fire</th>
                    <th scope="col">Last run</th>
                    <th scope="col" className="num">
                      Skipped
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((s) => (
                    <tr key={s.id}>
                      <td data-label="Scenario">{scenarioName(s.scenario_id)}</td>
                      <td data-label="Timing" className="mono">
                        {s.cron !== null
                          ? `${s.cron} (${s.timezone})`
                          : `every ${count(s.interval_seconds)} s`}
                      </td>
                      <td data-label="Enabled">
                        <EnabledSwitch schedule={s} />
                      </td>
                      <td data-label="Next fire">{s.enabled ? when(s.next_fire_at) : "–"}</td>
                      <td data-label="Last run">
                        {s.last_run ? (
                          <Link href={`/runs/${s.last_run.id}`}>
                            #{s.last_run.id} {s.last_run.status}
                          </Link>
                        ) : (
                          "–"
                        )}
                      </td>
                      <td data-label="Skipped" className="num">
                        {count(s.skipped_ticks)}
                      </td>
                      <td className="row-actions">
                        <DeleteButton
                          what={`schedule ${s.id}`}
                          onDelete={() => remove.mutateAsync({ id: s.id })}
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
