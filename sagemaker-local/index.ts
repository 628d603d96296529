/**
 * @ensemble-workbook/sagemaker-local — a local SageMaker on 127.0.0.1: the SageMaker API (AWS JSON 1.1), the
 * SageMaker Runtime (REST JSON) and serverless / real-time endpoints, for the unmodified AWS SDK clients, boto3
 * and the AWS CLI. Training jobs and endpoints run a SageMaker container program (`<command> train` /
 * `<command> serve`) as child processes on a per-job /opt/ml tree.
 *
 * It knows SageMaker, not ensembles: which program it runs is the caller's choice (`trainerCommand`); lib's
 * `session({ mode: "local" })` passes the project's trainer. Tuning strategies are pure and live in ./tuning.
 * Every operation takes and answers the shapes of `@aws-sdk/client-sagemaker` (./operations, ./wire).
 */
export { startServer } from "./server";
export type { ServerOptions, LocalSageMaker } from "./server";
export type { StoredObject } from "./storage";
export type { Operations } from "./operations";
export type { Wire, Request, Reply } from "./wire";
export type { TrainingJobRecord, TuningJobRecord, ModelRecord, EndpointConfigRecord, EndpointRecord } from "./records";
export type { EndpointStats } from "./endpoints";
