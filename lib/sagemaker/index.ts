/** lib/sagemaker — the notebook-facing SageMaker API, one code path for local mode and AWS (all calls through the AWS SDK clients). */
export { session, Session, uniqueName } from "./session";
export type { SessionOptions, Mode, Clients } from "./session";
export { LogFollower, followJobLogs, trainingJobLogs, LOG_GROUPS } from "./logs";
export type { LogEvent } from "./logs";
export { Estimator, DEFAULT_METRIC_DEFINITIONS, waitForTrainingJob } from "./estimator";
export type { EstimatorOptions, FitOptions, Channels, CompletedTrainingJob, TrainingSpec } from "./estimator";
export { HyperparameterTuner, ContinuousParameter, IntegerParameter, CategoricalParameter, latestTuningJob, trialsToReach } from "./tuner";
export type { TunerOptions, Parameter, ScalingType, Strategy, BestTrainingJob, TuningJobResult, WarmStartConfig } from "./tuner";
export { Predictor, deployModel, createModel } from "./predictor";
export type { UpdateOptions } from "./predictor";
export { Transformer, batchInputCsv, transformerForTrainingJob } from "./transformer";
export type { TransformerOptions, TransformOptions, CompletedTransformJob } from "./transformer";
export type { DeployOptions, FeatureValue, PredictOptions, Rows } from "./predictor";
export { startLocalSageMaker, projectTrainerCommand } from "./local";
export type { LocalSageMaker, LocalServerOptions } from "./local";
