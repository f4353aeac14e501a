/**
 * Bundles a bench entry with esbuild into `bench/.workload/<entry>.mjs`, to run on plain `node` (as a
 * user's built program runs; tsx's source-map support makes every `Effect.fn` call site expensive).
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, "..")

/** Bundles `entry` (a path relative to bench/) and returns the bundle's path. */
export const bundle = async (entry: string): Promise<string> => {
  const out = path.join(here, ".workload", entry.replace(/\.ts$/, ".mjs"))
  const { build } = await import("esbuild")
  await build({
    entryPoints: [path.join(here, entry)],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    tsconfig: path.join(repo, "tsconfig.base.json"),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning"
  })
  return out
}
