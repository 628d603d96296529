/**
 * Query groups for the rank:* objectives and the ndcg / map / pre metrics (and auc / aucpr, per query on a grouped
 * eval set), as XGBoost's DMatrix takes them: `group`, the sizes of consecutive groups of rows (set_group), or `qid`,
 * a query id per row, non-decreasing (set_info(qid=...): runs of one id are a group). Both become group pointers: group k is rows ptr[k] .. ptr[k + 1].
 * With groups, weights are per group (native: "Size of weights must equal to number of groups when ranking group
 * is used").
 */
import { shownValue } from "./shown";

/** The group pointers of `group` or `qid` for nrow rows, or undefined when neither is given; Errors name what is wrong. */
export function queryPointers(opts: { group?: ArrayLike<number>; qid?: ArrayLike<number> }, nrow: number): Int32Array | undefined {
  const { group, qid } = opts;
  if (group !== undefined && qid !== undefined) throw new Error("DMatrix: give group (the groups' sizes) or qid (a query id per row), not both");
  const isList = (v: unknown) => v !== null && typeof v === "object" && typeof (v as ArrayLike<number>).length === "number";
  if (group !== undefined) {
    if (!isList(group)) throw new Error(`DMatrix: group must be an array of group sizes, got ${shownValue(group)}`);
    const ptr = new Int32Array(group.length + 1);
    for (let k = 0; k < group.length; k++) {
      const s = group[k];
      if (!(Number.isInteger(s) && s >= 0)) throw new Error(`DMatrix: group[${k}] is ${shownValue(s)}; group sizes must be integers >= 0`);
      if (ptr[k] + s > nrow) throw new Error(`DMatrix: group sizes sum to more than the ${nrow} rows (group ${k} ends past them); they must sum to the rows`);
      ptr[k + 1] = ptr[k] + s;
    }
    if (ptr[group.length] !== nrow) throw new Error(`DMatrix: group sizes sum to ${ptr[group.length]} but X has ${nrow} rows; they must sum to the rows (native: "Invalid group structure")`);
    return ptr;
  }
  if (qid !== undefined) {
    if (!isList(qid)) throw new Error(`DMatrix: qid must be an array of query ids, one per row, got ${shownValue(qid)}`);
    if (qid.length !== nrow) throw new Error(`DMatrix: qid has ${qid.length} values but X has ${nrow} rows`);
    const ptr = [0];
    for (let i = 0; i < nrow; i++) {
      const q = qid[i];
      if (!(Number.isInteger(q) && q >= 0 && q <= 4294967295)) throw new Error(`DMatrix: qid[${i}] is ${shownValue(q)}; query ids must be integers in [0, 2^32)`);
      if (i > 0 && q < qid[i - 1]) throw new Error(`DMatrix: qid[${i}] = ${q} after qid[${i - 1}] = ${qid[i - 1]}; qid must be sorted in non-decreasing order along with the rows, as native`);
      if (i > 0 && q !== qid[i - 1]) ptr.push(i);
    }
    if (nrow > 0) ptr.push(nrow);
    return Int32Array.from(ptr);
  }
  return undefined;
}

/** Per-group weights (one per group, finite and >= 0) and the weights native's quantile sketch gives the rows
 * (1.7.4's detail::UnrollGroupWeights, with its quirk: a row takes the current group's weight before the group
 * index moves on, so each group's first row after the first group's gets the previous group's weight, and an empty
 * group stops it there — the cuts are native's only so; with as many groups as rows it reads the weights per row,
 * HostSketchContainer::UseGroup) */
export function groupWeights(weight: ArrayLike<number>, ptr: Int32Array): { perGroup: Float32Array; perRow: Float32Array } {
  const ng = ptr.length - 1;
  if (weight.length !== ng) throw new Error(`DMatrix: weight has ${weight.length} values but there are ${ng} query groups; with groups, weights are one per group, as native's`);
  const perGroup = new Float32Array(ng), perRow = new Float32Array(ptr[ng]);
  for (let k = 0; k < ng; k++) {
    const w = weight[k];
    if (!(Number.isFinite(w) && w >= 0)) throw new Error(`DMatrix: weight[${k}] is ${shownValue(w)}; weights must be finite and >= 0`);
    perGroup[k] = w;
  }
  const n = ptr[ng];
  if (ng === n) perRow.set(perGroup);
  else {
    for (let i = 0, g = 0; i < n; i++) {
      perRow[i] = perGroup[g];
      if (i === ptr[g + 1]) g++;
    }
  }
  return { perGroup, perRow };
}
