import type { RunStatus } from "../api/types.js";

export function StatusBadge({ status, passed }: { status: RunStatus; passed?: boolean | null }) {
  const failedThresholds = status === "completed" && passed === false;
  return (
    <span className={`badge badge-${failedThresholds ? "not-passed" : status}`}>
      {status}
      {failedThresholds ? " · not passed" : ""}
    </span>
  );
}

export function PassBadge({ pass }: { pass: boolean }) {
  return <span className={`badge badge-${pass ? "completed" : "failed"}`}>{pass ? "pass" : "fail"}</span>;
}
