/**
 * The typed errors of the client. Each names what was wrong (a pathspec, a file, a namespace) so that a
 * user can act on it without a stack trace. Messages follow the Python client's wording where one exists.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * An object (flow, run, step, task, artifact) does not exist. Python: `MetaflowNotFound` / `KeyError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ObjectNotFound extends Schema.TaggedError<ObjectNotFound>()("ObjectNotFound", {
  /** The object's display form, e.g. `Run('F/12')` or `Task('F/1/a/2', attempt=1)`. */
  object: Schema.String,
  pathspec: Schema.String
}) {
  /** Same text as Python's `MetaflowNotFound`. */
  override get message() {
    return `${this.object} does not exist`
  }
}

/**
 * The object exists but is not in the current namespace. Python: `MetaflowNamespaceMismatch`.
 *
 * @since 0.1.0
 * @category errors
 */
export class NamespaceMismatch extends Schema.TaggedError<NamespaceMismatch>()("NamespaceMismatch", {
  pathspec: Schema.String,
  namespace: Schema.String
}) {
  /** Same text as Python. */
  override get message() {
    return `Object not in namespace '${this.namespace}'`
  }
}

/**
 * A pathspec with the wrong number of components, an empty component, or an id that could escape a
 * storage root (`/`, `..`, NUL). Python: `MetaflowInvalidPathspec`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPathspec extends Schema.TaggedError<InvalidPathspec>()("InvalidPathspec", {
  pathspec: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Invalid pathspec '${this.pathspec}': ${this.reason}`
  }
}

/**
 * An attempt number outside Python's limits (a non-negative integer below 6), or given for an object
 * that has no attempts. Python raises `MetaflowNotFound` with the same messages.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidAttempt extends Schema.TaggedError<InvalidAttempt>()("InvalidAttempt", {
  attempt: Schema.Unknown,
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/**
 * A record written by Metaflow could not be read: missing where it must exist, not JSON, or JSON of the
 * wrong shape. Names the file (or URL) and the problem.
 *
 * @since 0.1.0
 * @category errors
 */
export class CorruptRecord extends Schema.TaggedError<CorruptRecord>()("CorruptRecord", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Corrupt record ${this.path}: ${this.reason}`
  }
}

/**
 * A stored blob could not be unpacked: truncated or not gzip, an unknown CAS version, a bad sidecar.
 *
 * @since 0.1.0
 * @category errors
 */
export class CorruptBlob extends Schema.TaggedError<CorruptBlob>()("CorruptBlob", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Corrupt blob ${this.path}: ${this.reason}`
  }
}

/**
 * An artifact whose encoding no deserializer claims (Python: `DataException("No deserializer claimed
 * artifact ...")`). The raw bytes stay readable through `Artifact.bytes`.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedEncoding extends Schema.TaggedError<UnsupportedEncoding>()("UnsupportedEncoding", {
  pathspec: Schema.String,
  encoding: Schema.String
}) {
  override get message() {
    return `No deserializer claimed artifact '${this.pathspec}' (encoding: ${this.encoding})`
  }
}

/**
 * The metadata names a datastore type (`ds_type`) for which no Layer was provided.
 *
 * @since 0.1.0
 * @category errors
 */
export class DatastoreNotProvided extends Schema.TaggedError<DatastoreNotProvided>()("DatastoreNotProvided", {
  dsType: Schema.String,
  hint: Schema.String
}) {
  override get message() {
    return `No datastore for ds-type '${this.dsType}': ${this.hint}`
  }
}

/**
 * A read or write that should stay inside a storage root would leave it (a hostile `ds-root`, location,
 * IncludeFile URL or symlink).
 *
 * @since 0.1.0
 * @category errors
 */
export class PathOutsideRoot extends Schema.TaggedError<PathOutsideRoot>()("PathOutsideRoot", {
  root: Schema.String,
  path: Schema.String
}) {
  override get message() {
    return `Refusing to access '${this.path}': outside the root '${this.root}'`
  }
}

/**
 * A transport or backend failure (I/O error, HTTP status, timeout) that is not "does not exist".
 *
 * @since 0.1.0
 * @category errors
 */
export class BackendError extends Schema.TaggedError<BackendError>()("BackendError", {
  /** What was being accessed: a file path, or an URL. */
  target: Schema.String,
  reason: Schema.String,
  status: Schema.optional(Schema.Number),
  cause: Schema.optional(Schema.Defect)
}) {
  override get message() {
    return `${this.target}: ${this.reason}${this.status === undefined ? "" : ` (status ${this.status})`}`
  }
}

/**
 * A tag mutation was refused. Python: `MetaflowTaggingError` with the same messages.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaggingError extends Schema.TaggedError<TaggingError>()("TaggingError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/**
 * No user name could be found for the default namespace. Python: `MetaflowUnknownUser`.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownUser extends Schema.TaggedError<UnknownUser>()("UnknownUser", {}) {
  override get message() {
    return "Metaflow could not determine your user name based on environment variables ($USERNAME etc.)"
  }
}

/**
 * Errors of reading records and blobs from a backend: what every port may fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type StorageError = CorruptRecord | CorruptBlob | BackendError | PathOutsideRoot

/**
 * Every error the client's read API can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type MetaflowError =
  | ObjectNotFound
  | NamespaceMismatch
  | InvalidPathspec
  | InvalidAttempt
  | CorruptRecord
  | CorruptBlob
  | UnsupportedEncoding
  | DatastoreNotProvided
  | PathOutsideRoot
  | BackendError
  | TaggingError
  | UnknownUser
