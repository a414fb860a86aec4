import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // Tests are server code: `import "server-only"` resolves as in Next's server bundles (scripts/server-only.mjs).
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["tests/**/*.test.ts", "sandbox/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/setup/database-server.ts"],
    setupFiles: ["tests/setup/env.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each get their own database; two cores, so two at a time.
    maxWorkers: 2,
  },
});
