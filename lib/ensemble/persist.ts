/**
 * The saved-ensemble directory, read and written only here (the format is documented in lib/README.md):
 *   dir/manifest.json  { "format": "ensemble-workbook/1", "members": [{ name, kind, file, params }],
 *                        "blend", "weights"?, "stacker"?: { intercept, coef }, "featureNames",
 *                        "label", "objective", "versions": { "ensemble-workbook", "node-xgboost-wasm" },
 *                        "columns"?: [{ name, type: "numeric" | "categorical", categories?: [text by code] }],
 *                        "classes"?: [class labels by index] }
 *   dir/<member>.json  XGBoost JSON (tree members) or ridge JSON (ridge.ts)
 * Loading checks everything it relies on and names what is wrong. "columns" and "classes" are written for
 * tables with text (manifests without them — numeric-only models — load as before, every feature numeric).
 */
import * as fs from "fs";
import * as path from "path";
import { libVersion } from "../repo";
import { packageVersion } from "../core";
import { memberFromSpec } from "../members/fromSpec";
import { TreeMember } from "../members/tree";
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
  versions: Record<string, string>;
  /** Each feature's type and, when categorical, its categories (code → text, in training order). */
  columns?: ColumnSchema[];
  /** Class labels by index, when the training labels were text. */
  classes?: string[];
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
    ...(ensemble.columns && ensemble.columns.some((c) => c.type !== "numeric") ? { columns: ensemble.columns } : {}),
    ...(ensemble.classes ? { classes: ensemble.classes } : {}),
    versions: { "ensemble-workbook": libVersion(), "node-xgboost-wasm": packageVersion("node-xgboost-wasm") },
  };
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** Read and check dir/manifest.json. */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, "manifest.json");
  if (!fs.existsSync(file)) throw new Error(`loadEnsemble: no manifest.json in ${dir}`);
  let j: any; // untrusted JSON: every field is checked below before it is used
  try {
    j = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`loadEnsemble: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (j.format !== MANIFEST_FORMAT) throw new Error(`loadEnsemble: ${file} has format ${JSON.stringify(j.format)}, expected "${MANIFEST_FORMAT}"`);
  if (!BLENDS.includes(j.blend)) throw new Error(`loadEnsemble: unknown blend ${JSON.stringify(j.blend)} in ${file}; known blends: ${BLENDS.join(", ")}`);
  if (!Array.isArray(j.members) || j.members.length === 0) throw new Error(`loadEnsemble: ${file} lists no members`);
  if (!Array.isArray(j.featureNames) || j.featureNames.some((n: unknown) => typeof n !== "string")) {
    throw new Error(`loadEnsemble: ${file} needs "featureNames" as a list of strings`);
  }
  if (typeof j.objective !== "string") throw new Error(`loadEnsemble: ${file} needs "objective"`);
  const m = j.members.length;
  if (j.blend === "weighted" && (!Array.isArray(j.weights) || j.weights.length !== m)) {
    throw new Error(`loadEnsemble: blend "weighted" needs "weights" with ${m} numbers in ${file}`);
  }
  if (j.blend === "stacking" && (!j.stacker || !Array.isArray(j.stacker.coef) || j.stacker.coef.length !== m || typeof j.stacker.intercept !== "number")) {
    throw new Error(`loadEnsemble: blend "stacking" needs "stacker": { "intercept", "coef" (${m} numbers) } in ${file}`);
  }
  if (j.columns !== undefined) {
    const ok =
      Array.isArray(j.columns) &&
      j.columns.length === j.featureNames.length &&
      j.columns.every((c: ColumnSchema, i: number) =>
        c && c.name === j.featureNames[i] && (c.type === "numeric" || (c.type === "categorical" && Array.isArray(c.categories) && c.categories.every((t) => typeof t === "string"))),
      );
    if (!ok) throw new Error(`loadEnsemble: "columns" in ${file} must list each feature of "featureNames" in order as { name, type: "numeric" } or { name, type: "categorical", categories: [strings] }`);
  }
  if (j.classes !== undefined && (!Array.isArray(j.classes) || j.classes.some((c: unknown) => typeof c !== "string"))) {
    throw new Error(`loadEnsemble: "classes" in ${file} must be a list of strings`);
  }
  return j as Manifest;
}

export function loadEnsemble(dir: string): Ensemble {
  const manifest = readManifest(dir);
  const members = manifest.members.map((spec, i) => {
    if (!spec || typeof spec.name !== "string" || typeof spec.kind !== "string" || typeof spec.file !== "string") {
      throw new Error(`loadEnsemble: member ${i} in the manifest needs "name", "kind" and "file"`);
    }
    const member = memberFromSpec(spec.kind, { ...(spec.params ?? {}), name: spec.name });
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
    return member;
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
  if (manifest.columns) ensemble.columns = manifest.columns;
  if (manifest.classes) ensemble.classes = manifest.classes;
  return ensemble;
}
