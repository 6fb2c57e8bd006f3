import { toYaml } from "../../rightsizing/yaml-emit.js";
import type { ApplyResult, PlanOutcome } from "../../services/kubernetes/apply-plan.js";
import type { RecommendReport, WorkloadEntry } from "../../services/rightsizing/report.js";
import { type ContainerOf, workloadPlans } from "../../services/rightsizing/workloads.js";

const num = (x: number | undefined | null) =>
  x === undefined || x === null ? "-" : Number(x.toPrecision(4)).toString();

/** The terminal table: one row per container and resource, baselines alongside. */
export function formatTable(report: RecommendReport): string {
  const header = ["name", "resource", "request", "bounds", "limit", "confidence", "VPA", "KRR", "quality"];
  const rows: string[][] = [];
  for (const e of report.recommendations)
    for (const resource of ["cpu", "memory"] as const) {
      const r = e[resource];
      if (!r) continue;
      rows.push([
        e.name,
        resource,
        num(r.request),
        `${num(r.request_bounds[0])}–${num(r.request_bounds[1])}`,
        num(r.limit),
        r.confidence.toFixed(2),
        num(e.baselines.vpa[resource]?.request),
        num(e.baselines.krr[resource]?.request),
        r.quality.verdict,
      ]);
    }
  const containers = columns(header, rows);
  if (report.workloads.length === 0) return containers;
  return `${containers}\n${columns(
    ["workload", "replicas", "current", "basis", "demand", "per replica", "target", "hpa"],
    report.workloads.map((w) => {
      const r = w.replicas;
      return [
        `${w.kind.toLowerCase()}/${w.namespace}/${w.name}`,
        r ? (r.recommended === null ? "(hpa)" : String(r.recommended)) : "-",
        r?.current === null || r?.current === undefined ? "-" : String(r.current),
        r ? `${r.basis}${r.binding_container ? ` (${r.binding_container})` : ""}` : "-",
        r ? `${num(r.demand)} ${r.unit === "cores" ? "cores" : "req/s"} (${r.demand_statistic})` : "-",
        r ? num(r.capacity_per_replica) : "-",
        r ? `${num(r.target_utilization * 100)} %` : "-",
        hpaCell(w),
      ];
    }),
  )}`;
}

function hpaCell(w: WorkloadEntry): string {
  if (w.replicas_error) return `no replica recommendation: ${w.replicas_error}`;
  if (!w.hpa) return w.hpa_checked ? "none" : "not checked (no cluster)";
  const { current: c, recommended: r } = w.hpa;
  const cpu = (u: number | null) => (u === null ? "-" : `${u} %`);
  return `${w.hpa.name}: min ${c.min_replicas} → ${r.min_replicas}, max ${c.max_replicas} → ${r.max_replicas}, cpu ${cpu(c.cpu_utilization)} → ${cpu(r.cpu_utilization)}`;
}

function columns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/** One CSV row per container and resource, for spreadsheets. */
export function formatCsv(report: RecommendReport): string {
  const lines = [
    "name,resource,request,request_low,request_high,limit,confidence,vpa_request,krr_request,verdict",
  ];
  for (const e of report.recommendations)
    for (const resource of ["cpu", "memory"] as const) {
      const r = e[resource];
      if (!r) continue;
      lines.push(
        [
          e.name,
          resource,
          r.request,
          r.request_bounds[0],
          r.request_bounds[1],
          r.limit,
          r.confidence,
          e.baselines.vpa[resource]?.request ?? "",
          e.baselines.krr[resource]?.request ?? "",
          r.quality.verdict,
        ].join(","),
      );
    }
  // Workloads: the value in the request column, the basis in the verdict column.
  for (const w of report.workloads) {
    const name = `${w.namespace}/${w.name}`;
    const row = (resource: string, value: number | null) =>
      lines.push([name, resource, value ?? "", "", "", "", "", "", "", w.replicas?.basis ?? ""].join(","));
    if (w.hpa) {
      row("hpa_min_replicas", w.hpa.recommended.min_replicas);
      row("hpa_max_replicas", w.hpa.recommended.max_replicas);
      row("hpa_cpu_utilization", w.hpa.recommended.cpu_utilization);
    } else if (w.replicas) row("replicas", w.replicas.recommended);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The patch documents (YAML stream) `--apply` would send: per workload its containers'
 * resources (and replicas when no HPA owns them), then the HPA's patch when there is one.
 * `containerOf` maps an entry's name to its workload and container; entries it cannot place are
 * left out.
 */
export function formatPatches(report: RecommendReport, containerOf: ContainerOf): string {
  return workloadPlans(report, containerOf)
    .flatMap((plan) => [
      `# aurea recommendation, confidence ${plan.confidence.toFixed(2)} (${report.generated_at})\n${toYaml(plan.patch)}`,
      ...(plan.hpa ? [`# aurea: the HPA owns the replica count\n${toYaml(plan.hpa.patch)}`] : []),
    ])
    .join("---\n");
}

/** What `--apply` did: each workload's dry run, then (if all passed) what was applied. */
export function formatApply(result: ApplyResult, server: string): string {
  const lines = [`dry run (dryRun=All) against ${server}:`];
  const outcome = (o: PlanOutcome, verb: string) => {
    const ref = `${o.workload.kind} ${o.workload.namespace}/${o.workload.name}`;
    if (!o.ok) return lines.push(`  ${ref}: FAILED: ${o.error?.message}`);
    if (o.changes.length === 0) return lines.push(`  ${ref}: no change`);
    lines.push(`  ${ref}: ${verb}`);
    const width = Math.max(...o.changes.map((c) => c.field.length));
    for (const c of o.changes)
      lines.push(`    ${c.field.padEnd(width)}  ${c.before ?? "(none)"} → ${c.after ?? "(none)"}`);
    return lines.length;
  };
  for (const o of result.dryRun) outcome(o, "would change");
  if (!result.applied) {
    const failed = result.dryRun.filter((o) => !o.ok).length;
    lines.push(
      failed > 0
        ? `nothing applied: ${failed} of ${result.dryRun.length} workloads failed their dry run`
        : "nothing applied: some workloads could not be read",
    );
  } else {
    lines.push("applied:");
    for (const o of result.applied) outcome(o, "changed");
  }
  return `${lines.join("\n")}\n`;
}

/** The same as JSON (`apply` in `--json` output). */
export function applyJson(result: ApplyResult) {
  const outcome = (o: PlanOutcome) => ({
    kind: o.workload.kind,
    namespace: o.workload.namespace,
    name: o.workload.name,
    ok: o.ok,
    changes: o.changes,
    ...(o.error
      ? { error: { message: o.error.message, status: o.error.status, reason: o.error.reason } }
      : {}),
  });
  return {
    dry_run: result.dryRun.map(outcome),
    applied: result.applied ? result.applied.map(outcome) : null,
  };
}
