import { join } from "node:path";
import type { Config } from "../../config/config.js";
import type { Scope } from "../../contracts/key-scopes.js";
import { parseDuration } from "../../engine/index.js";
import { KeyService } from "../../services/keys/key-service.js";
import { ApiKeysRepo } from "../../store/api-keys-repo.js";
import { openStore } from "../../store/database.js";
import { EXIT, UsageError } from "../exit-codes.js";
import type { CommandIo } from "./run.js";

export interface KeysCreateOptions {
  name: string;
  scope: Scope;
  /** `30d`, `12h`: the key stops working after this. */
  expires?: string;
  maxConcurrentRuns?: string;
  maxJobsPerRun?: string;
  json?: boolean;
}

const positive = (text: string | undefined, flag: string): number | null => {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
};

/**
 * `aurea keys create|list|revoke`: API keys, written to the store directly (as `aurea migrate`
 * does), so the first key can be made before the server listens beyond this machine. PGlite is
 * one process's database: with the embedded store, run it while the server is stopped (or use
 * `POST /api/v1/keys` of the running server).
 */
export async function keysCommand(
  action: "create" | "list" | "revoke",
  { ref, options }: { ref?: string | undefined; options: Partial<KeysCreateOptions> },
  config: Readonly<Config>,
  io: CommandIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  if (!config.store.databaseUrl && (await serverAnswers(config.apiUrl)))
    throw new UsageError(
      `an Aurea server answers at ${config.apiUrl} and the store is PGlite (one process only): ` +
        "stop it first, or use its API (POST /api/v1/keys)",
    );
  let expiresAt: Date | null = null;
  if (action === "create" && options.expires !== undefined) {
    const days = /^(\d+)d$/.exec(options.expires.trim());
    const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(options.expires);
    if (ms === undefined || ms <= 0)
      throw new UsageError("--expires must be a duration such as 30d, 12h or 90m");
    expiresAt = new Date(now().getTime() + ms);
  }
  const store = await openStore({
    databaseUrl: config.store.databaseUrl,
    dataDir: join(config.store.dataDir, "pglite"),
    poolSize: 1,
  });
  try {
    await store.migrate();
    const keys = new KeyService({ repo: new ApiKeysRepo(store.db), now });
    if (action === "create") {
      const { key, row } = await keys.create({
        name: options.name!,
        scope: options.scope!,
        expiresAt,
        maxConcurrentRuns: positive(options.maxConcurrentRuns, "--max-concurrent-runs"),
        maxJobsPerRun: positive(options.maxJobsPerRun, "--max-jobs-per-run"),
      });
      if (options.json) io.stdout.write(`${JSON.stringify({ ...describe(row), key })}\n`);
      else
        io.stdout.write(
          `${key}\n\nKey ${row.prefix} (${row.name}, scope ${row.scope}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ""}).\n` +
            "This is the only time it is shown: store it now. Send it as `Authorization: Bearer <key>`.\n",
        );
      return EXIT.OK;
    }
    if (action === "list") {
      const rows = (await keys.list()).map(describe);
      if (options.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) io.stdout.write("no API keys: the server needs none on 127.0.0.1\n");
      else
        for (const k of rows)
          io.stdout.write(
            `${k.prefix}  ${k.scope.padEnd(5)}  ${k.state.padEnd(7)}  ${k.name}  created ${k.created_at}` +
              `${k.last_used_at ? `, last used ${k.last_used_at}` : ""}\n`,
          );
      return EXIT.OK;
    }
    if (!ref) throw new UsageError("revoke needs the key's prefix or id");
    const row =
      (ref.length === 8 ? await keys.revoke(ref) : undefined) ??
      (/^\d+$/.test(ref) ? await keys.revoke(Number(ref)) : undefined);
    if (!row) {
      io.stderr.write(`aurea keys revoke: no API key ${ref}\n`);
      return EXIT.ERROR;
    }
    io.stdout.write(`revoked ${row.prefix} (${row.name})\n`);
    return EXIT.OK;
  } finally {
    await store.close();
  }

  function describe(row: Awaited<ReturnType<KeyService["list"]>>[number]) {
    const state = row.revokedAt ? "revoked" : row.expiresAt && row.expiresAt <= now() ? "expired" : "active";
    return {
      id: row.id,
      prefix: row.prefix,
      name: row.name,
      scope: row.scope,
      state,
      created_at: row.createdAt.toISOString(),
      expires_at: row.expiresAt?.toISOString() ?? null,
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    };
  }
}

async function serverAnswers(apiUrl: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/health", apiUrl), { signal: AbortSignal.timeout(500) });
    return response.ok;
  } catch {
    return false;
  }
}
