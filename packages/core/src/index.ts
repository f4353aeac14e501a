/**
 * metaflow-client core: the read side of Metaflow as Effect programs over two ports,
 * `MetadataProvider` (what exists) and `Datastore` (the bytes).
 *
 * @since 0.1.0
 */
export * as Datastore from "./Datastore.js"
export * as Errors from "./Errors.js"
export * as MetadataProvider from "./MetadataProvider.js"
export * as Namespace from "./Namespace.js"
export * as Pathspec from "./Pathspec.js"
export * as Records from "./Records.js"
export * as Artifact from "./Artifact.js"
export * as Bytes from "./Bytes.js"
export * as Cas from "./Cas.js"
export * as Code from "./Code.js"
export * as Flow from "./Flow.js"
export * as Graph from "./Graph.js"
export * as Gunzip from "./Gunzip.js"
export * as Logs from "./Logs.js"
export * as Metaflow from "./Metaflow.js"
export * as Mflog from "./Mflog.js"
export * as Pickle from "./Pickle.js"
export * as PyValue from "./PyValue.js"
export * as Run from "./Run.js"
export * as Step from "./Step.js"
export * as Tags from "./Tags.js"
export * as Task from "./Task.js"
export * as Status from "./Status.js"
export * as TaggedJson from "./TaggedJson.js"
export * as Numpy from "./Numpy.js"
