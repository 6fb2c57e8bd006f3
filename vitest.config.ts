import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration tests start servers and some measure time: keep test files off each other's cores.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
