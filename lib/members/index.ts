export { xgboost, XGBOOST_DEFAULTS, XGBOOST_DEFAULT_ROUNDS } from "./xgboost";
export { catboost, CATBOOST_DEFAULTS } from "./catboost";
export { randomForest, RANDOM_FOREST_DEFAULTS } from "./randomForest";
export { ridge } from "./ridge";
export { memberFromSpec, overMemberParams } from "./fromSpec";
export { MEMBER_KINDS, MEMBER_KIND_ALIASES, canonicalMemberKind } from "./member";
export type { Member, MemberFit, MemberKind, MemberKindAlias, FitOptions, StoredParams, ContributionOptions, MemberContributions, Link } from "./member";
export type { XGBoostMemberParams, CatBoostMemberParams, RandomForestParams, RidgeParams, RoundParams, MemberName, MemberParams } from "./params";
export { TreeMember } from "./tree";
