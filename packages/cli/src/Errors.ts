/**
 * The errors `mfc` reports to users, each mapped to an exit code: 1 for "not found / not in the
 * namespace" and other failures at run time, 2 for usage errors. Every one prints as a single line.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The command line is wrong (bad option value, conflicting options, invalid pathspec): exit code 2.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/**
 * The object does not exist or is not in the namespace in effect: exit code 1.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly message: string }> {}

/**
 * Anything else that went wrong at run time (backend, corrupt data, configuration): exit code 1.
 *
 * @since 0.1.0
 * @category errors
 */
export class Failure extends Data.TaggedError("Failure")<{ readonly message: string }> {}

/**
 * A user-facing error of the CLI.
 *
 * @since 0.1.0
 * @category errors
 */
export type CliError = UsageError | NotFound | Failure

/**
 * Exit codes.
 *
 * @since 0.1.0
 * @category constants
 */
export const ExitCode = { ok: 0, notFound: 1, failure: 1, usage: 2 } as const

/**
 * Human text of a namespace: `user:alice`, or `all namespaces` for `null`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const namespaceText = (ns: string | null): string => ns === null ? "all namespaces" : ns

const messageOf = (e: unknown): string => {
  if (typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" && e.message !== "") {
    return e.message
  }
  if (typeof e === "object" && e !== null && "_tag" in e) return String(e._tag)
  return String(e)
}

/**
 * Maps any error of the core, the providers or the CLI to a {@link CliError}, naming the namespace in
 * effect for not-found errors.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromUnknown = (ns: string | null) => (e: unknown): CliError => {
  if (e instanceof UsageError || e instanceof NotFound || e instanceof Failure) return e
  const tag = typeof e === "object" && e !== null && "_tag" in e ? String(e._tag) : undefined
  const any = e as Record<string, unknown>
  switch (tag) {
    case "ObjectNotFound":
      return new NotFound({ message: `${String(any["object"])} does not exist (namespace: ${namespaceText(ns)})` })
    case "NamespaceMismatch":
      return new NotFound({
        message: `'${String(any["pathspec"])}' is not in namespace ${String(any["namespace"])} (use --all or --namespace NS)`
      })
    case "InvalidPathspec":
    case "InvalidAttempt":
      return new UsageError({ message: messageOf(e) })
    case "DatastoreNotProvided":
      return new Failure({
        message: any["dsType"] === "local"
          ? `the runs' data is in a local datastore, but no .metaflow was found: pass --root DIR (the directory containing .metaflow)`
          : any["dsType"] === "s3"
          ? `the runs' data is in S3, but the S3 datastore is not configured: set METAFLOW_DATASTORE_SYSROOT_S3 (and METAFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as needed)`
          : messageOf(e)
      })
    case "ConfigError":
    case "And":
    case "Or":
    case "InvalidData":
    case "MissingData":
    case "SourceUnavailable":
    case "Unsupported":
      return new Failure({ message: `configuration: ${messageOf(e)}` })
    default:
      return new Failure({ message: messageOf(e) })
  }
}
