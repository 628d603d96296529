/**
 * JSONPath, exactly the subset SageMaker's batch transform documents for DataProcessing's InputFilter and
 * OutputFilter (at most 63 characters):
 *
 *   $                  the whole record
 *   .<name>  .*        a child by name; every child
 *   ['<name>'(,'<name>')…]   children by name (CreateTransformJob refuses "…" quotes and _, as AWS: ./transform-jobs)
 *   [<n>(,<n>)…]       elements by index (negative counts from the end)
 *   [<start>:<end>]    a slice (either bound may be left out, negatives count from the end)
 *   [*]                every element
 *
 * and unions of these inside one bracket (`$[0,5:]`), with at most one slice: AWS refuses `$[0:2,246:]` ("only
 * single range filters of format (eg: [1:5]) are supported", aws/sagemaker-python-sdk#1112). A CSV record is a
 * JSON array of its fields, so CSV takes index paths only. Recursive descent (`..`), filters (`?(…)`), scripts and
 * steps are not part of it and do not parse. A path that names one thing (only names and single indices) selects
 * that value; any wildcard, slice or union selects a list — except several names in the last bracket
 * (`$['id','SageMakerOutput']`), which select an object of those members, as the JsonPath AWS points to (Jayway's,
 * github.com/json-path/JsonPath) merges them: the documented way to keep an id with the output of a JSON record. An
 * index or name the record does not have is an error, as AWS says ("If you specify indexes that aren't within the
 * dimension size of the joined dataset, you get an error").
 *
 * Written here rather than taken from npm: the JSONPath packages implement supersets (filters, scripts,
 * recursive descent) that SageMaker rejects, and this subset is small.
 */

type Selector = { kind: "name"; name: string } | { kind: "index"; index: number } | { kind: "slice"; start?: number; end?: number } | { kind: "all" };

export interface JsonPath {
  source: string;
  segments: Selector[][];
  /** true when the path selects a list (a wildcard, a slice or a union — other than names in the last bracket) */
  multiple: boolean;
}

/** a bracket of several names and nothing else (`['id','SageMakerOutput']`): in the last place, it selects an object */
function isNames(seg: Selector[]): boolean {
  return seg.length > 1 && seg.every((s) => s.kind === "name");
}

export class JsonPathError extends Error {}

/** Parses a path; throws JsonPathError saying where it stops parsing. */
export function parseJsonPath(source: string): JsonPath {
  const fail = (at: number, why: string): never => {
    throw new JsonPathError(`'${source}' is not a valid JSONPath expression: ${why} at position ${at + 1}`);
  };
  if (source.length > 63) throw new JsonPathError(`'${source.slice(0, 20)}…' is longer than 63 characters`);
  if (source[0] !== "$") fail(0, "it must start with $");
  let i = 1;
  const segments: Selector[][] = [];
  const int = (): number | undefined => {
    const m = /^-?\d+/.exec(source.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  while (i < source.length) {
    const c = source[i];
    if (c === ".") {
      i++;
      if (source[i] === ".") fail(i, "recursive descent (..) is not supported");
      if (source[i] === "*") {
        i++;
        segments.push([{ kind: "all" }]);
        continue;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
      if (!m) fail(i, "expected a name after .");
      i += m![0].length;
      segments.push([{ kind: "name", name: m![0] }]);
    } else if (c === "[") {
      i++;
      const sel: Selector[] = [];
      for (;;) {
        while (source[i] === " ") i++;
        const q = source[i];
        if (q === "'" || q === '"') {
          const end = source.indexOf(q, i + 1);
          if (end < 0) fail(i, "unterminated quoted name");
          sel.push({ kind: "name", name: source.slice(i + 1, end) });
          i = end + 1;
        } else if (q === "*") {
          i++;
          sel.push({ kind: "all" });
        } else if (q === "?" || q === "(") fail(i, "filter and script expressions are not supported");
        else {
          const start = int();
          if (source[i] === ":") {
            i++;
            const end = int();
            if (source[i] === ":") fail(i, "slice steps are not supported");
            sel.push({ kind: "slice", start, end });
            if (sel.filter((x) => x.kind === "slice").length > 1) fail(i, "only single range filters of format (eg: [1:5]) are supported");
          } else if (start !== undefined) sel.push({ kind: "index", index: start });
          else fail(i, "expected an index, a slice, a quoted name or *");
        }
        while (source[i] === " ") i++;
        if (source[i] === ",") {
          i++;
          continue;
        }
        if (source[i] === "]") {
          i++;
          break;
        }
        fail(i, "expected , or ]");
      }
      segments.push(sel);
    } else fail(i, `unexpected '${c}'`);
  }
  const multiple = segments.some((s, k) => (s.length > 1 && !(k === segments.length - 1 && isNames(s))) || s.some((x) => x.kind === "all" || x.kind === "slice"));
  return { source, segments, multiple };
}

/** The value(s) the path selects in a record; throws JsonPathError when the record lacks a named index or key. */
export function evaluateJsonPath(p: JsonPath, record: unknown): unknown {
  let nodes: unknown[] = [record];
  for (const [depth, seg] of p.segments.entries()) {
    const next: unknown[] = [];
    // several names last: each node's members by those names, one object (in the path's order), as Jayway merges them
    const merge = depth === p.segments.length - 1 && isNames(seg);
    for (const node of nodes) {
      if (merge) {
        const one: Record<string, unknown> = {};
        for (const s of seg) one[(s as { name: string }).name] = evaluateJsonPath({ source: p.source, segments: [[s]], multiple: false }, node);
        next.push(one);
        continue;
      }
      for (const s of seg) {
        if (s.kind === "all") {
          if (Array.isArray(node)) next.push(...node);
          else if (node && typeof node === "object") next.push(...Object.values(node));
        } else if (s.kind === "name") {
          if (!node || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, s.name))
            throw new JsonPathError(`${p.source}: the record has no field '${s.name}'`);
          next.push((node as Record<string, unknown>)[s.name]);
        } else if (!Array.isArray(node)) throw new JsonPathError(`${p.source}: the record is not an array`);
        else if (s.kind === "index") {
          const k = s.index < 0 ? node.length + s.index : s.index;
          if (k < 0 || k >= node.length) throw new JsonPathError(`${p.source}: index ${s.index} is outside the record's ${node.length} fields`);
          next.push(node[k]);
        } else {
          const n = node.length;
          const norm = (v: number | undefined, dflt: number) => (v === undefined ? dflt : v < 0 ? Math.max(0, n + v) : Math.min(n, v));
          next.push(...node.slice(norm(s.start, 0), norm(s.end, n)));
        }
      }
    }
    nodes = next;
  }
  return p.multiple ? nodes : nodes[0];
}
