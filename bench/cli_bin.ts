/** The `mfc` CLI as a bench entry (bench/bundle.ts bundles it like the other entries): bench/run.ts measures `mfc get --output`. */
import "../packages/cli/src/bin.js"
