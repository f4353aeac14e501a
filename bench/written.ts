/**
 * The check after a memory scenario that wrote an artifact to a file (bench/rss_stream.ts, bench/rss_s3.ts):
 * the file's size and SHA-1 against the expected ones, read back after the measurement; the file is removed.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { pipeline } from "node:stream/promises"

/** Size and SHA-1 of `file`, whether they are the expected ones; removes `file`. */
export const checkWritten = async (file: string, expectedSha: string, expectedBytes: number) => {
  const hash = createHash("sha1")
  await pipeline(fs.createReadStream(file), hash)
  const sha1 = hash.digest("hex")
  const bytes = fs.statSync(file).size
  fs.rmSync(file)
  return { bytes, sha1, sizeOk: bytes === expectedBytes, shaOk: sha1 === expectedSha }
}
