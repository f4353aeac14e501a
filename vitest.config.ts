import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))

/** One test run for the whole workspace; packages resolve to their sources, so no build is needed to test. */
export default defineConfig({
  resolve: {
    alias: {
      "@metaflow-client/core": pkg("core"),
      "@metaflow-client/provider-local/node": fileURLToPath(new URL("./packages/provider-local/src/node.ts", import.meta.url)),
      "@metaflow-client/provider-local": pkg("provider-local"),
      "@metaflow-client/provider-service": pkg("provider-service"),
      "@metaflow-client/datastore-s3": pkg("datastore-s3")
    }
  },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks"
  }
})
