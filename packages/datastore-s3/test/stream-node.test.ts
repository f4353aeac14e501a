import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { streamSuite } from "./streamSuite.js"

// node:http honours backpressure chunk by chunk: a quarter of the object size is a loose bound.
streamSuite("NodeHttpClient (node:http)", NodeHttpClient.layer, 32 * 1024 * 1024)
