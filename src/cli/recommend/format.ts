import { resourcesPatch, type WorkloadRef } from "../../rightsizing/kubernetes-patch.js";
import { toYaml } from "../../rightsizing/yaml-emit.js";
import type { RecommendReport } from "../../services/rightsizing/report.js";

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
  return `${lines.join("\n")}\n`;
}

/**
 * A patch document per workload (YAML stream). `containerOf` maps an entry's name to its
 * workload and container; entries it cannot place are left out.
 */
export function formatPatches(
  report: RecommendReport,
  containerOf: (name: string) => { workload: WorkloadRef; container: string } | undefined,
): string {
  const byWorkload = new Map<
    string,
    { workload: WorkloadRef; containers: Parameters<typeof resourcesPatch>[1][number][]; confidence: number }
  >();
  for (const e of report.recommendations) {
    const place = containerOf(e.name);
    if (!place) continue;
    const key = `${place.workload.namespace}/${place.workload.kind}/${place.workload.name}`;
    const group = byWorkload.get(key) ?? { workload: place.workload, containers: [], confidence: 1 };
    byWorkload.set(key, group);
    group.confidence = Math.min(group.confidence, e.confidence);
    group.containers.push({
      container: place.container,
      ...(e.cpu ? { cpu: { request: e.cpu.request, limit: e.cpu.limit } } : {}),
      ...(e.memory ? { memory: { request: e.memory.request, limit: e.memory.limit } } : {}),
    });
  }
  return [...byWorkload.values()]
    .map(
      (g) =>
        `# aurea recommendation, confidence ${g.confidence.toFixed(2)} (${report.generated_at})\n${toYaml(resourcesPatch(g.workload, g.containers))}`,
    )
    .join("---\n");
}
