/**
 * MetricDefinitions' regular expressions, matched in linear time.
 *
 * A training job's MetricDefinitions come from the caller and are applied to every line its container prints.
 * JavaScript's RegExp backtracks: `(a+)+$` against thirty a's and a "!" runs for tens of seconds (47 s
 * measured for 28), and it runs on the server's one event loop, so one such definition would stop every
 * other request — a hang from a client's input. RE2 (here its JavaScript port, re2js) matches any pattern in
 * time linear in the line, and refuses the two features that need backtracking, backreferences (`\1`) and
 * lookaround (`(?=…)`, `(?<=…)`); a definition using them is a ValidationException naming the metric. The
 * patterns SageMaker's documentation shows (`validation:rmse=([0-9\.]+)`, `loss: (\S+)`) are unchanged.
 */
import { RE2JS } from "re2js";

export interface MetricRegex {
  /** the first capture group of the first match in `line` (else the whole match), or undefined */
  value(line: string): string | undefined;
}

/** Compiles a MetricDefinitions Regex; throws an Error saying why RE2 refuses it. */
export function compileMetricRegex(source: string): MetricRegex {
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(source);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, "");
    throw new Error(`${why} (metric regexes are matched by RE2, in linear time: no backreferences or lookaround)`);
  }
  const groups = pattern.groupCount();
  return {
    value(line) {
      const m = pattern.matcher(line);
      if (!m.find()) return undefined;
      return (groups >= 1 ? m.group(1) : null) ?? m.group(0) ?? undefined;
    },
  };
}
