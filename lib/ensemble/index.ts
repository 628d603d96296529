export { Ensemble } from "./ensemble";
export type { EnsembleOptions, FitTableOptions, Prediction, ClassPrediction, ProgressEvent, ProgressCallback, RoundCallback, FitMatrixOptions } from "./ensemble";
export { crossValidate } from "./crossValidate";
export type { CvOptions, CvResult, Curve } from "./crossValidate";
export { saveEnsemble, loadEnsemble, readManifest, MANIFEST_FORMAT } from "./persist";
export type { Manifest, ManifestMember } from "./persist";
export { BLENDS } from "./blends";
export type { Blend, BlendState } from "./blends";
