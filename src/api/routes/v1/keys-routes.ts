import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody } from "../../../contracts/common.js";
import {
  createdKeyView,
  createKeyBody,
  type KeyView,
  keyView,
  sessionView,
} from "../../../contracts/keys.js";
import { ANONYMOUS, type KeyService } from "../../../services/keys/key-service.js";
import type { ApiKeyRow } from "../../../store/api-keys-repo.js";
import { ApiError } from "../../errors.js";

const tags = ["keys"];

function presentKey(row: ApiKeyRow): KeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    max_concurrent_runs: row.maxConcurrentRuns,
    max_jobs_per_run: row.maxJobsPerRun,
  };
}

const keyRef = z.strictObject({
  ref: z.string().regex(/^([1-9][0-9]{0,9}|[A-Za-z0-9]{8})$/, "must be a key's id or its 8-character prefix"),
});

/** `/api/v1/keys` (scope admin): create (the key is answered once), list, revoke. */
export const keysRoutes: FastifyPluginAsyncZod<{ keys: KeyService }> = async (app, { keys }) => {
  app.post(
    "/",
    {
      schema: {
        tags,
        summary: "Create an API key (answered once: only its hash is stored)",
        body: createKeyBody,
        response: { 201: createdKeyView, 400: errorBody },
      },
    },
    async (request, reply) => {
      const { key, row } = await keys.create({
        name: request.body.name,
        scope: request.body.scope,
        expiresAt: request.body.expires_at,
        maxConcurrentRuns: request.body.max_concurrent_runs,
        maxJobsPerRun: request.body.max_jobs_per_run,
      });
      return reply.status(201).send({ ...presentKey(row), key });
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List API keys (never the keys themselves)",
        response: { 200: z.object({ items: z.array(keyView) }) },
      },
    },
    async () => ({ items: (await keys.list()).map(presentKey) }),
  );

  app.delete(
    "/:ref",
    {
      schema: {
        tags,
        summary: "Revoke an API key, by id or prefix (it stays listed, revoked)",
        params: keyRef,
        response: { 200: keyView, 404: errorBody },
      },
    },
    async (request) => {
      const ref = request.params.ref;
      // An 8-character reference is a prefix (they may be all digits), else an id.
      const row =
        (ref.length === 8 ? await keys.revoke(ref) : undefined) ??
        (/^\d+$/.test(ref) ? await keys.revoke(Number(ref)) : undefined);
      if (!row) throw new ApiError(404, "not_found", `no API key ${ref}`);
      return presentKey(row);
    },
  );
};

/** `GET /api/v1/session`: who the request acts as, and whether the server requires keys. */
export const sessionRoutes: FastifyPluginAsyncZod<{ keys: KeyService }> = async (app, { keys }) => {
  app.get(
    "/",
    { schema: { tags, summary: "Who this request acts as", response: { 200: sessionView } } },
    async (request) => {
      const principal = request.principal ?? ANONYMOUS;
      return {
        auth_required: await keys.required(),
        name: principal.name,
        prefix: principal.prefix,
        scope: principal.scope,
      };
    },
  );
};
