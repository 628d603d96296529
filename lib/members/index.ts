export { xgboost, XGBOOST_DEFAULTS, XGBOOST_DEFAULT_ROUNDS } from "./xgboost";
export { catboost, CATBOOST_DEFAULTS } from "./catboost";
export { randomForest, RANDOM_FOREST_DEFAULTS } from "./randomForest";
export { ridge, RIDGE_FORMAT } from "./ridge";
export { memberFromSpec } from "./fromSpec";
export { MEMBER_KINDS, MEMBER_KIND_ALIASES, canonicalMemberKind, checkFeatures } from "./member";
export type { Member, MemberKind, MemberKindAlias, FitOptions } from "./member";
export { TreeMember } from "./tree";
