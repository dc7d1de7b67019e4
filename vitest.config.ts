import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Route tests fake the upstream at `fetch`; this only has to be a well-formed URL.
            // ADMIN_TOKEN: the admin API's secret for test/admin and test/teams.
            miniflare: {
              bindings: {
                UPSTREAM_BASE_URL: "http://upstream.test/v1",
                ANTHROPIC_BASE_URL: "http://anthropic.test",
                UPSTREAM_IDLE_TIMEOUT_MS: "2000",
                ADMIN_TOKEN: "test-admin-token",
                // No request is sampled to run past its early exit unless a test asks for it.
                EXIT_SAMPLE_SHARE: "0",
              },
            },
          }),
        ],
        // The first request in a test file transforms the whole Worker; allow for that on a busy machine.
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/browser/**", "test/node/**"],
          testTimeout: 30_000,
          globalSetup: ["./test/setup/recordings.ts", "./test/setup/recordings-apis.ts"],
          setupFiles: ["./test/setup/isolate-state.ts"],
        },
      },
      {
        // The dashboard in headless Chromium against `wrangler dev` (Debian's chromium, playwright-core).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // After the other projects: its seeding (a wrangler dev, ~190 requests) and Chromium would otherwise
          // load the 2-core machine while the e2e suite measures how promptly upstreams are closed.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Node-side checks without a Worker running: the replay and eval CLIs, the deploy configuration and its
        // generated types, the bundle size budget, the reference tables in the README and docs/ against the source, their links.
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/global-setup.ts"],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
