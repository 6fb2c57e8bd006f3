import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const API = process.env.AUREA_API_URL ?? "http://127.0.0.1:5000";

/**
 * The dashboard's build: `web/` → `dist/web/` (served by the API process). `vite` in dev serves
 * the app on :5173 and proxies the API to a running `aurea serve` (AUREA_API_URL).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // TanStack Query's "use client" directives (for React Server Components) mean nothing
        // in a client bundle; hdr-histogram-js's UMD build uses eval (it runs only on run pages).
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" || warning.code === "SOURCEMAP_ERROR") return;
        if (warning.code === "EVAL" && warning.id?.includes("hdr-histogram-js")) return;
        warn(warning);
      },
    },
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "/api": { target: API, changeOrigin: true },
      "/health": { target: API, changeOrigin: true },
    },
  },
});
