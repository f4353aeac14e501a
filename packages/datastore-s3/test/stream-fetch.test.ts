import { FetchHttpClient } from "@effect/platform"
import { streamSuite } from "./streamSuite.js"

// Node's built-in fetch buffers up to a few tens of MB ahead of a slow reader (bounded; the same for
// 256 MB objects), so the bound here is half the object size; a retained body would be all of it.
streamSuite("FetchHttpClient", FetchHttpClient.layer, 64 * 1024 * 1024)
