/** The parts a recommendation's confidence is made of, each in [0, 1]. */
export interface ConfidenceParts {
  /** History length (a week is full) × completeness. */
  readonly sufficiency: number;
  /** Backtest skill of the fused forecast against seasonal naive. */
  readonly skill: number;
  /** How close the request's out-of-fold backtest coverage came to its target quantile. */
  readonly coverage: number;
  /** 0.7 after a level change in the last 2 days, else 1. */
  readonly stability: number;
  /** 0.7 when OOM kills or CPU throttling were seen, else 1. */
  readonly events: number;
}

export interface ConfidenceInputs {
  readonly historyHours: number;
  readonly missingShare: number;
  readonly fusedMase: number;
  readonly naiveMase: number;
  /** Out-of-fold coverage achieved and the quantile aimed at. */
  readonly achievedCoverage: number;
  readonly targetQuantile: number;
  readonly recentChangepoint: boolean;
  readonly incidents: boolean;
}

const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * A score a reader can take apart: the product of the parts, skill entering as 0.5 + 0.5 · skill
 * so that a forecast no better than seasonal naive halves the score rather than zeroing it.
 */
export function confidenceOf(inputs: ConfidenceInputs): { score: number; parts: ConfidenceParts } {
  const sufficiency = clamp(inputs.historyHours / (7 * 24)) * clamp(1 - inputs.missingShare);
  // Fused error half of seasonal naive's or better: 1; equal: 0.5; 1.5× or worse: 0.
  const ratio = inputs.naiveMase > 0 ? inputs.fusedMase / inputs.naiveMase : 1;
  const skill = clamp(1.5 - ratio);
  // Missing the target by its whole tail (covering 90 % when aiming at 95 %) halves this part.
  const miss = Math.abs(inputs.achievedCoverage - inputs.targetQuantile) / (1 - inputs.targetQuantile);
  const coverage = Number.isFinite(inputs.achievedCoverage) ? clamp(1 - 0.5 * miss) : 0.5;
  const stability = inputs.recentChangepoint ? 0.7 : 1;
  const events = inputs.incidents ? 0.7 : 1;
  const parts = { sufficiency, skill, coverage, stability, events };
  const score = sufficiency * (0.5 + 0.5 * skill) * coverage * stability * events;
  return { score: Math.round(score * 100) / 100, parts };
}
