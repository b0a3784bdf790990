/** `stepstore poll`: the SDK's pages turned into records, staged in a sink that commits them to the log. */
export { pollRuns, type PollDependencies, type PollOptions } from "./follow.js";
export { CREDENTIAL_NAME, fetchKeepingBodies, isSecretParam, originOfUrl, recordsOfBodyText, withoutUrlCredentials, recordsOfResponse, type PolledRecord } from "./records.js";
export { createRecordSink, type RecordSink, type RecordSinkOptions } from "./sink.js";
export type { PollProblem, PollProgress, PollReport, PollTargets, RunRef } from "./types.js";
