/**
 * The main thread's side of fits side by side on one core (./parallel's module comment): what a run's fit workers
 * need to run on this thread's core and its DMatrix of the run's matrix, set up before the run and released after it.
 */
import { coreAttachment, coreBuild, trainingForm, type CoreAttachment } from "../core";
import { coreMatrixFor, holdCoreMatrix } from "../data/core-matrix";
import { floatsReleased } from "../data/matrix";
import { memberFromSpec } from "../members/fromSpec";
import type { Member } from "../members/member";
import type { FitData, FitTask } from "./parallel";

/**
 * The run's data with this thread's core shared with `threads` workers (see the module comment): the matrix's core
 * DMatrix held and its quantised forms for every task's member built and pinned, a stack and thread-local block per
 * worker slot. `release()` undoes it: call it only once every worker has ended. The data unchanged (and release a
 * no-op) with the single-threaded build, or when no task fits a tree member.
 */
export function shareCore(data: FitData, tasks: FitTask[], threads: number): { data: FitData; release(): void } {
  const trees = tasks.filter((t) => t.kind !== "ridge");
  const released = floatsReleased(data.matrix);
  if (released && (trees.length < tasks.length || coreBuild() !== "threads")) {
    throw new Error(`fit workers: the matrix's floats were released once binned (releaseFloats); ${coreBuild() !== "threads" ? "worker threads of the single-threaded core read their own copy of them" : "a ridge fit reads them"}`);
  }
  if (trees.length === 0 || threads < 1 || coreBuild() !== "threads") return { data, release: () => {} };
  const unhold = holdCoreMatrix(data.matrix);
  const undo: (() => void)[] = [unhold];
  const release = () => undo.reverse().forEach((u) => u());
  try {
    const { d, owned } = coreMatrixFor(data.matrix);
    if (owned) throw new Error("shareCore: the matrix's held core DMatrix was not found");
    // the forms the members' fits bin the matrix into (trainingForm), built here once; a member whose fit bins
    // something else (catboost's own cat_features, ordered target statistics) makes that in its worker, and one
    // whose params are bad gets no form: its fit fails with the error, named by its task's label
    const forms = new Map<string, { maxBin: number; types?: Uint8Array }>();
    for (const spec of new Map(trees.map((t) => [JSON.stringify([t.kind, t.params]), t])).values()) {
      let form: { maxBin: number; types?: Uint8Array } | undefined;
      try {
        const member = memberFromSpec(spec.kind, { ...spec.params, name: spec.name });
        try {
          const recipe = (member as Member & { recipe?: () => { params: Record<string, unknown>; catFeatures?: unknown[] } }).recipe?.();
          form = recipe && !recipe.catFeatures?.length ? trainingForm(recipe.params, d) : undefined;
        } finally {
          member.free();
        }
      } catch {
        form = undefined;
      }
      if (form) forms.set(`${form.maxBin}:${form.types?.join("") ?? ""}`, form);
    }
    const matrix = d.sharedDescriptor([...forms.values()]);
    undo.push(matrix.release);
    const attachments: CoreAttachment[] = [];
    for (let slot = 0; slot < threads; slot++) {
      const a = coreAttachment()!;
      undo.push(a.release);
      attachments.push(a.attachment);
    }
    // released floats: the workers get a placeholder X (they read the bins through the descriptor, and poison it)
    const sent = released ? { ...data.matrix, X: new Float32Array(0) } : data.matrix;
    return { data: { ...data, matrix: sent, core: { matrix: matrix.descriptor, attachments } }, release };
  } catch (e) {
    release();
    throw e;
  }
}
