import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets its own process: tfjs keeps global state (backend, tensor registry).
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
