import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../support/local-server.js";
import { runCli } from "../support/spawn-cli.js";

describe("aurea keys", () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aurea-keys-"));
    // Nothing listens there: the embedded store is free to open.
    env = { AUREA_DATA_DIR: dir, AUREA_API_URL: `http://127.0.0.1:${await closedPort()}` };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("creates a key (printed once), lists it by prefix, revokes it", async () => {
    const created = await runCli(
      ["keys", "create", "--name", "ci", "--scope", "write", "--expires", "30d", "--json"],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as {
      key: string;
      prefix: string;
      scope: string;
      expires_at: string;
    };
    expect(key.key).toMatch(/^aurea_[A-Za-z0-9]{8}_/);
    expect(key.scope).toBe("write");
    expect(Date.parse(key.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const listed = await runCli(["keys", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.prefix);
    expect(listed.stdout).toContain("active");
    expect(listed.stdout).not.toContain(key.key);

    expect((await runCli(["keys", "revoke", key.prefix], env)).code).toBe(0);
    expect((await runCli(["keys", "list"], env)).stdout).toContain("revoked");
    const unknown = await runCli(["keys", "revoke", "ZZZZZZZZ"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no API key ZZZZZZZZ");
  });

  it("refuses a bad scope or expiry with a usage error naming the flag", async () => {
    const scope = await runCli(["keys", "create", "--name", "x", "--scope", "root"], env);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain("--scope");
    const expiry = await runCli(
      ["keys", "create", "--name", "x", "--scope", "read", "--expires", "soon"],
      env,
    );
    expect(expiry.code).toBe(2);
    expect(expiry.stderr).toContain("--expires");
  });
});

describe("aurea serve beyond this machine", () => {
  it("refuses to listen on 0.0.0.0 without an API key, naming the way out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aurea-insecure-"));
    try {
      const refused = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], { AUREA_DATA_DIR: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("refusing to listen on 0.0.0.0 without an API key");
      expect(refused.stderr).toContain("--insecure");
      expect(refused.stderr).not.toContain("    at ");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
