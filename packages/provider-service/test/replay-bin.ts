/**
 * The replay server as a command, for checking a client (e.g. `pnpm conformance --metadata service@URL`)
 * against recorded answers of the real metadata service:
 *
 *   node --import tsx packages/provider-service/test/replay-bin.ts [--ds-root DIR] [FILE.jsonl ...]
 *
 * FILEs default to the snapshot's `responses.jsonl`; `--ds-root` is what `<DS_ROOT>` in the answers
 * becomes (default: the snapshot's datastore). Prints `listening on http://127.0.0.1:<port>`; every
 * request without a recorded answer is answered 501 and printed to stderr as `UNKNOWN ...`. Stops on
 * SIGINT/SIGTERM, printing the number of requests and of unknown ones.
 */
import { snapshotResponses, startReplayServer } from "./ReplayServer.js"

const args = process.argv.slice(2)
const at = args.indexOf("--ds-root")
const dsRoot = at >= 0 ? args[at + 1] : undefined
const files = args.filter((a, i) => a !== "--ds-root" && (at < 0 || i !== at + 1))

const server = await startReplayServer(files.length > 0 ? files : [snapshotResponses], dsRoot === undefined ? {} : { dsRoot })
process.stdout.write(`listening on ${server.url}\n`)
let reported = 0
const timer = setInterval(() => {
  for (const r of server.unknownRequests.slice(reported)) process.stderr.write(`UNKNOWN ${r.method} ${r.path} ${JSON.stringify(r.query)}\n`)
  reported = server.unknownRequests.length
}, 500)
const stop = () => {
  clearInterval(timer)
  process.stderr.write(`replay: ${server.requests.length} requests, ${server.unknownRequests.length} unknown\n`)
  void server.close().then(() => process.exit(server.unknownRequests.length === 0 ? 0 : 1))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
