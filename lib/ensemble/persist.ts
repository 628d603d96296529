/**
 * The saved-ensemble directory, read and written only here (the format is documented in lib/README.md):
 *   dir/manifest.json  { "format": "ensemble-workbook/1", "members": [{ name, kind, file, params }],
 *                        "blend", "weights"?, "stacker"?: { intercept, coef }, "featureNames",
 *                        "label", "objective", "versions": { "ensemble-workbook", "node-xgboost-wasm" },
 *                        "columns"?: [{ name, type: "numeric" | "categorical", categories?: [text by code] }],
 *                        "classes"?: [class labels by index],
 *                        "naValues"?: [the missing-value tokens the training table was read with, when not pandas'] }
 *   dir/<member>.json  XGBoost JSON (tree members) or ridge JSON (ridge.ts)
 * Loading checks everything it relies on and names what is wrong. "columns" and "classes" are written for
 * tables with text (manifests without them — numeric-only models — load as before, every feature numeric).
 */
import * as fs from "fs";
import * as path from "path";
import { libVersion } from "../repo";
import { packageVersion, shownValue } from "../core";
import { memberFromStored } from "../members/fromSpec";
import { TreeMember } from "../members/tree";
import type { Member } from "../members/member";
import { BLENDS } from "./blends";
import { Ensemble } from "./ensemble";
import type { ColumnSchema } from "../data/matrix";

export const MANIFEST_FORMAT = "ensemble-workbook/1";

export interface ManifestMember {
  name: string;
  kind: string;
  file: string;
  params: Record<string, unknown>;
}

export interface Manifest {
  format: string;
  members: ManifestMember[];
  blend: string;
  weights?: number[];
  stacker?: { intercept: number; coef: number[] };
  featureNames: string[];
  label: string;
  objective: string;
  numClass?: number;
  /** The members whose num_class the fit took from the labels, not the caller: a loaded ensemble's refit counts the
   * classes again, as the saved one's would (a refit on 2 classes kept 3 after a load). */
  numClassFromLabels?: string[];
  versions: Record<string, string>;
  /** Each feature's type and, when categorical, its categories (code → text, in training order). */
  columns?: ColumnSchema[];
  /** Class labels by index, when the training labels were text. */
  classes?: string[];
  /** The missing-value tokens the training table was read with, when they were not pandas' defaults (`na_values`). */
  naValues?: string[];
}

export function saveEnsemble(ensemble: Ensemble, dir: string): Manifest {
  if (!ensemble.featureNames) throw new Error("saveEnsemble: the ensemble is not fitted");
  fs.mkdirSync(dir, { recursive: true });
  const members: ManifestMember[] = ensemble.members.map((m) => {
    const { file, content } = m.toFile();
    fs.writeFileSync(path.join(dir, file), content);
    return { name: m.name, kind: m.kind, file, params: { ...m.params } };
  });
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    members,
    blend: ensemble.blend,
    ...(ensemble.weights ? { weights: ensemble.weights } : {}),
    ...(ensemble.stacker ? { stacker: ensemble.stacker } : {}),
    featureNames: ensemble.featureNames,
    label: ensemble.label ?? "target",
    objective: ensemble.objective,
    ...(ensemble.numClass !== undefined ? { numClass: ensemble.numClass } : {}),
    ...(ensemble.numClassFromLabels().length ? { numClassFromLabels: ensemble.numClassFromLabels() } : {}),
    ...(ensemble.columns && ensemble.columns.some((c) => c.type !== "numeric") ? { columns: ensemble.columns } : {}),
    ...(ensemble.classes ? { classes: ensemble.classes } : {}),
    ...(ensemble.naValues ? { naValues: ensemble.naValues } : {}),
    versions: { "ensemble-workbook": libVersion(), "node-xgboost-wasm": packageVersion("node-xgboost-wasm") },
  };
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** a finite number (a manifest value the blend computes with) */
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Read and check dir/manifest.json: every field loadEnsemble relies on, with its type — blend parameters are
 * finite numbers (a string among the stacker's coefficients would make every prediction NaN), member files are
 * plain file names inside `dir` (a manifest must not make the loader read ../anything).
 */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, "manifest.json");
  if (!fs.existsSync(file)) throw new Error(`loadEnsemble: no manifest.json in ${dir}`);
  let j: unknown; // untrusted JSON: every field is checked below before it is used
  try {
    j = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`loadEnsemble: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(j)) throw new Error(`loadEnsemble: ${file} is not a JSON object`);
  if (j.format !== MANIFEST_FORMAT) throw new Error(`loadEnsemble: ${file} has format ${JSON.stringify(j.format)?.slice(0, 100)}, expected "${MANIFEST_FORMAT}"`);
  if (typeof j.blend !== "string" || !(BLENDS as string[]).includes(j.blend)) throw new Error(`loadEnsemble: unknown blend ${JSON.stringify(j.blend)?.slice(0, 100)} in ${file}; known blends: ${BLENDS.join(", ")}`);
  if (!Array.isArray(j.members) || j.members.length === 0) throw new Error(`loadEnsemble: ${file} lists no members`);
  j.members.forEach((spec: unknown, i: number) => {
    if (!isObject(spec) || typeof spec.name !== "string" || typeof spec.kind !== "string" || typeof spec.file !== "string")
      throw new Error(`loadEnsemble: member ${i} in the manifest needs "name", "kind" and "file" (strings)`);
    if (spec.params !== undefined && !isObject(spec.params)) throw new Error(`loadEnsemble: member "${spec.name}" in ${file}: "params" must be an object`);
    // parameters are JSON scalars or lists of them (cat_features); an object would reach Number()/String() in a
    // member and could throw from its own toString — refused here, named. XGBoost's constraints keep their own shapes
    // (a member saved with them is loaded with them): interaction_constraints a list of lists, monotone_constraints
    // an object of values by feature name — of scalars, which the core's parser checks
    for (const [k, v] of Object.entries(spec.params ?? {})) {
      const scalar = (x: unknown) => x === null || ["number", "string", "boolean"].includes(typeof x);
      const list = (x: unknown) => Array.isArray(x) && x.every(scalar);
      const shaped =
        (k === "interaction_constraints" && Array.isArray(v) && v.every(list)) ||
        (k === "monotone_constraints" && isObject(v) && Object.values(v).every(scalar));
      if (!scalar(v) && !list(v) && !shaped) {
        throw new Error(`loadEnsemble: member "${spec.name}" in ${file}: parameter "${k}" must be a number, text, true/false or a list of them, got ${shownValue(v)}`);
      }
    }
    if (!/^[^/\\\0]+$/.test(spec.file) || spec.file === "." || spec.file === ".." || spec.file === "manifest.json")
      throw new Error(`loadEnsemble: member "${spec.name}" in ${file}: file ${JSON.stringify(spec.file)} must be the name of a file in ${dir}`);
  });
  if (!Array.isArray(j.featureNames) || j.featureNames.length === 0 || j.featureNames.some((n: unknown) => typeof n !== "string")) {
    throw new Error(`loadEnsemble: ${file} needs "featureNames" as a list of strings`);
  }
  if (typeof j.objective !== "string") throw new Error(`loadEnsemble: ${file} needs "objective"`);
  if (j.label !== undefined && typeof j.label !== "string") throw new Error(`loadEnsemble: ${file}: "label" must be a string`);
  if (j.numClass !== undefined && !(Number.isInteger(j.numClass) && (j.numClass as number) >= 2)) throw new Error(`loadEnsemble: ${file}: "numClass" must be an integer ≥ 2`);
  const members = j.members as { name?: unknown }[];
  if (j.numClassFromLabels !== undefined && !(Array.isArray(j.numClassFromLabels) && j.numClassFromLabels.every((n: unknown) => members.some((s) => s.name === n))))
    throw new Error(`loadEnsemble: ${file}: "numClassFromLabels" must be a list of the members' names`);
  const m = j.members.length;
  if (j.weights !== undefined && (!Array.isArray(j.weights) || j.weights.length !== m || !j.weights.every(finite))) {
    throw new Error(`loadEnsemble: "weights" must be ${m} finite numbers in ${file}`);
  }
  if (j.blend === "weighted" && j.weights === undefined) throw new Error(`loadEnsemble: blend "weighted" needs "weights" with ${m} numbers in ${file}`);
  const st = j.stacker;
  if (st !== undefined && (!isObject(st) || !finite(st.intercept) || !Array.isArray(st.coef) || st.coef.length !== m || !st.coef.every(finite))) {
    throw new Error(`loadEnsemble: blend "stacking" needs "stacker": { "intercept", "coef" (${m} numbers) }, all finite, in ${file}`);
  }
  if (j.blend === "stacking" && st === undefined) throw new Error(`loadEnsemble: blend "stacking" needs "stacker": { "intercept", "coef" (${m} numbers) } in ${file}`);
  if (j.columns !== undefined) {
    const names = j.featureNames as string[];
    const ok =
      Array.isArray(j.columns) &&
      j.columns.length === names.length &&
      j.columns.every(
        (c: unknown, i: number) =>
          isObject(c) && c.name === names[i] && (c.type === "numeric" || (c.type === "categorical" && Array.isArray(c.categories) && c.categories.every((t: unknown) => typeof t === "string"))),
      );
    if (!ok) throw new Error(`loadEnsemble: "columns" in ${file} must list each feature of "featureNames" in order as { name, type: "numeric" } or { name, type: "categorical", categories: [strings] }`);
  }
  if (j.classes !== undefined && (!Array.isArray(j.classes) || j.classes.some((c: unknown) => typeof c !== "string"))) {
    throw new Error(`loadEnsemble: "classes" in ${file} must be a list of strings`);
  }
  if (j.naValues !== undefined && (!Array.isArray(j.naValues) || j.naValues.some((c: unknown) => typeof c !== "string"))) {
    throw new Error(`loadEnsemble: "naValues" in ${file} must be a list of strings`);
  }
  return j as unknown as Manifest; // every field checked above
}

export function loadEnsemble(dir: string): Ensemble {
  const manifest = readManifest(dir);
  const members: Member[] = [];
  try {
    manifest.members.forEach((spec) => {
      const member = memberFromStored(spec.kind, { ...(spec.params ?? {}), name: spec.name });
      members.push(member);
      const file = path.join(dir, spec.file);
      if (!fs.existsSync(file)) throw new Error(`loadEnsemble: member file missing: ${file} (member "${spec.name}", kind ${spec.kind})`);
      member.loadFile(fs.readFileSync(file, "utf8"));
      const names = member.featureNames();
      if (!names && member instanceof TreeMember) member.setFeatureNames(manifest.featureNames);
      const got = member.featureNames()!;
      if (got.length !== manifest.featureNames.length || got.some((n, j) => n !== manifest.featureNames[j])) {
        throw new Error(
          `loadEnsemble: feature mismatch: member "${spec.name}" (${spec.file}) was trained on [${got.join(", ")}] but the manifest lists [${manifest.featureNames.join(", ")}]`,
        );
      }
    });
    const ensemble = new Ensemble({
      members,
      blend: manifest.blend,
      objective: manifest.objective,
      weights: manifest.weights,
      stacker: manifest.stacker,
    });
    ensemble.featureNames = [...manifest.featureNames];
    ensemble.label = manifest.label;
    if (manifest.numClass !== undefined) ensemble.numClass = manifest.numClass;
    if (manifest.numClassFromLabels) ensemble.numClassFromLabels(manifest.numClassFromLabels);
    if (manifest.columns) ensemble.columns = manifest.columns;
    if (manifest.classes) ensemble.classes = manifest.classes;
    if (manifest.naValues) ensemble.naValues = manifest.naValues;
    return ensemble;
  } catch (e) {
    for (const m of members) m.free(); // the members loaded before the failure hold core memory
    throw e;
  }
}
