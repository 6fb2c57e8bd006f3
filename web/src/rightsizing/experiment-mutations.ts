import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ExperimentSpecInput } from "../../../src/services/rightsizing/experiment-spec.js";
import { api } from "../api/client.js";
import type { ExperimentView } from "../api/types.js";

/** What the form posts: `POST /experiments`' body (the server's schema input; defaults may be left out). */
export type ExperimentWrite = ExperimentSpecInput;

/** The experiments' query tree (`web/src/api/queries.ts`): every list and detail under it. */
const EXPERIMENTS = ["experiments"] as const;

/** Starts an experiment (202: stored pending, run in the background); the lists show it at once. */
export function useStartExperiment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ExperimentWrite) => api.post<ExperimentView>("/experiments", body),
    onSuccess: () => client.invalidateQueries({ queryKey: EXPERIMENTS }),
  });
}

/** Cancels a pending or running experiment (its complete steps are kept and judged). */
export function useCancelExperiment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<ExperimentView>(`/experiments/${id}/cancel`),
    onSuccess: () => client.invalidateQueries({ queryKey: EXPERIMENTS }),
  });
}
