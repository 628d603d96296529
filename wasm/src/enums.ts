/**
 * One check, at load, that the TypeScript lists and the C enums agree.
 *
 * Objectives, metrics, grow policies, bootstrap types and the parameter vector cross
 * into the core as integer codes (a list's index on this side, an enum value on the C
 * side). An entry added or reordered on one side alone would not fail to compile: it
 * would train with another objective or read a parameter from the wrong slot. The core
 * publishes its names (csrc/enums.c, xgb_enum_names) and this compares them with the
 * lists here, so such a build fails at the first use with a message naming the list.
 */
import { BOOTSTRAP, GROW_POLICIES, METRICS, OBJECTIVES, PARAM_ORDER } from "./params";

/** What the check needs of the core: its names, read as a string. */
export type EnumNamesReader = (kind: number) => string | undefined;

const LISTS: [kind: number, what: string, names: readonly string[]][] = [
  [0, "objectives (OBJECTIVES vs ObjectiveId)", OBJECTIVES],
  [1, "metrics (METRICS vs MetricId)", METRICS],
  [2, "grow policies (GROW_POLICIES vs GrowPolicy)", GROW_POLICIES],
  [3, "bootstrap types (BOOTSTRAP vs BootstrapType)", BOOTSTRAP],
  [4, "parameters (PARAM_ORDER vs ParamId)", PARAM_ORDER],
];

/** Throws when any list differs from the core's; names the first difference. */
export function checkCoreEnums(read: EnumNamesReader): void {
  for (const [kind, what, names] of LISTS) {
    const core = read(kind)?.split(",") ?? [];
    const at = Math.max(core.length, names.length);
    for (let i = 0; i < at; i++) {
      if (core[i] !== names[i]) {
        throw new Error(
          `node-xgboost-wasm: the core's ${what} differ from the bindings' at position ${i}: ` +
          `core ${JSON.stringify(core[i] ?? null)}, bindings ${JSON.stringify(names[i] ?? null)}; rebuild with "npm run build"`,
        );
      }
    }
  }
}
