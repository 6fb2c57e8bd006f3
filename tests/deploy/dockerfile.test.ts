import { describe, expect, it } from "vitest";
import { exists, readText } from "./support/repo.js";

const dockerfile = readText("Dockerfile");
/** Instructions, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (/^FROM /i.test(line)) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];

describe("Dockerfile", () => {
  it("builds in one stage and runs from another, with a pinned Node.js image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions.find((line) => line.startsWith("ARG NODE_IMAGE="))).toMatch(
      /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-[a-z]+-slim$/,
    );
    expect(stages[0]?.join("\n")).toMatch(/RUN npm ci[^\n]*\n[\s\S]*RUN npm run build/);
    expect(runtime.join("\n")).toMatch(/RUN npm ci --omit=dev/);
    expect(runtime.join("\n")).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it("runs as a user that is not root", () => {
    const users = runtime.filter((line) => /^USER /i.test(line));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/i);
  });

  it("listens on 0.0.0.0:5000, checks /health with Node's fetch, and starts the CLI", () => {
    const text = runtime.join("\n");
    expect(text).toMatch(/HOST=0\.0\.0\.0/);
    expect(text).toMatch(/^EXPOSE 5000$/m);
    expect(text).toMatch(/^HEALTHCHECK .*CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:'.*\/health'\)/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/main\.js"\]$/m);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = readText(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    const sources = instructions
      .filter((line) => /^COPY /.test(line) && !line.includes("--from="))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "src", "drizzle"]));
    for (const source of sources) {
      expect(exists(source), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
    // Kept out of the build context: dependencies and output of the host, tests, the deploy tree.
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", ".git", "tests"]));
  });
});
