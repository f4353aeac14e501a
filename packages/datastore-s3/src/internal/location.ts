/**
 * Parsing and validation of S3 roots, URLs and keys, and the HTTP URL of an object (path-style or
 * virtual-host style). Pure functions, no effects.
 *
 * @internal
 */

/** A parsed `s3://bucket/prefix` datastore root. */
export interface S3Root {
  readonly bucket: string
  /** Without leading or trailing `/`; may be empty. */
  readonly prefix: string
}

/** Where requests go. */
export interface Addressing {
  readonly endpoint: URL | undefined
  readonly region: string
  readonly forcePathStyle: boolean
}

const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/
const DNS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/
const MAX_KEY_BYTES = 1024

/** Why a bucket name is refused, or `undefined` when it is acceptable. */
export const bucketProblem = (bucket: string): string | undefined =>
  !BUCKET.test(bucket) || bucket.includes("..") ? `invalid bucket name '${bucket}'` : undefined

/**
 * Why a key is refused, or `undefined` when it is acceptable: defence in depth against keys that could
 * be read as a different object (`.`/`..` segments, empty segments) or smuggle control characters.
 */
export const keyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "empty key"
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return "key contains a control character or a backslash"
  for (const segment of key.split("/")) {
    if (segment === "") return "key contains an empty path segment"
    if (segment === "." || segment === "..") return `key contains a '${segment}' segment`
  }
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) return "key longer than 1024 bytes"
  return undefined
}

/** Strips leading and trailing `/` the way Metaflow joins keys (`s3://b/p/` behaves like `s3://b/p`). */
export const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, "")

/** Splits `s3://bucket/path` into bucket and path (path without surrounding `/`), or a reason. */
export const parseS3Url = (url: string): { readonly bucket: string; readonly path: string } | string => {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url)
  if (m === null) return `not an s3:// URL: '${url}'`
  const bucket = m[1]!
  const problem = bucketProblem(bucket)
  if (problem !== undefined) return problem
  return { bucket, path: trimSlashes(m[2] ?? "") }
}

/** Parses a datastore root `s3://bucket[/prefix]`, or returns a reason. */
export const parseRoot = (root: string): S3Root | string => {
  const parsed = parseS3Url(root)
  if (typeof parsed === "string") return parsed
  if (parsed.path !== "") {
    const problem = keyProblem(parsed.path)
    if (problem !== undefined) return `root prefix: ${problem}`
  }
  return { bucket: parsed.bucket, prefix: parsed.path }
}

/** The object key of `key` below a root (leading/trailing `/` of `key` stripped like Metaflow's join). */
export const objectKey = (root: S3Root, key: string): string => {
  const k = trimSlashes(key)
  return root.prefix === "" ? k : k === "" ? root.prefix : `${root.prefix}/${k}`
}

/** RFC 3986 encoding of each key segment (the same encoding the SigV4 signer canonicalises to). */
export const encodeKey = (key: string): string =>
  key.split("/").map((s) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
  ).join("/")

/** Virtual-host addressing is only safe for DNS-compatible names without dots (TLS wildcard certificates). */
const virtualHostable = (bucket: string): boolean => DNS_BUCKET.test(bucket)

/** The HTTP(S) URL of an object. */
export const objectUrl = (addressing: Addressing, bucket: string, key: string): string => {
  const path = encodeKey(key)
  const endpoint = addressing.endpoint
  if (endpoint !== undefined) {
    const base = endpoint.pathname.replace(/\/+$/, "")
    if (addressing.forcePathStyle || !virtualHostable(bucket)) {
      return `${endpoint.protocol}//${endpoint.host}${base}/${bucket}/${path}`
    }
    return `${endpoint.protocol}//${bucket}.${endpoint.host}${base}/${path}`
  }
  const host = `s3.${addressing.region}.amazonaws.com`
  return addressing.forcePathStyle || !virtualHostable(bucket)
    ? `https://${host}/${bucket}/${path}`
    : `https://${bucket}.${host}/${path}`
}

/** Display form of an object, used as the `target` of every error. */
export const display = (bucket: string, key: string): string => `s3://${bucket}/${key}`
