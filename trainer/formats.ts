/**
 * Content negotiation for `POST /invocations`: the request's format from Content-Type (text/csv,
 * application/csv, application/json, text/libsvm, text/x-libsvm; none: LIBSVM, as SageMaker's XGBoost reads a body
 * without one; else 415), the answer's from Accept (q-values honoured, wildcards resolved
 * to the request's format — or to SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT's, as SageMaker's XGBoost container takes it;
 * else 406); the custom attributes are read in ./explain. HttpError carries the status a client's mistake is answered
 * with; the server never turns one into a 500.
 */
export class HttpError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

/** the answers' formats */
export type Format = "csv" | "json";
/** the requests' formats: LIBSVM bodies are answered in CSV unless Accept says JSON, as SageMaker's XGBoost answers them */
export type RequestFormat = Format | "libsvm";

/** with the bare `csv` and `libsvm`, which SageMaker's XGBoost container takes as request content types too (its
 * get_content_type: a transform job's ContentType copied from a training channel's, `csv`, was a 415 here) */
const CONTENT_TYPES: Record<string, RequestFormat> = { "text/csv": "csv", "application/csv": "csv", csv: "csv", "application/json": "json", "text/libsvm": "libsvm", "text/x-libsvm": "libsvm", libsvm: "libsvm" };
/** The answers' content types. CSV's names its charset: text/csv without one is US-ASCII (RFC 4180), and HTTP clients
 * decode such text as ISO-8859-1 (Python's requests) — a label "Sétosa" came back as "SÃ©tosa". JSON is UTF-8 by
 * definition (RFC 8259), which clients know. */
export const MIME: Record<Format, string> = { csv: "text/csv; charset=utf-8", json: "application/json" };

function mediaType(h: string | undefined): string {
  return (h ?? "").split(";")[0].trim().toLowerCase();
}

/** Request format from Content-Type, or 415. No Content-Type is LIBSVM: SageMaker's XGBoost container reads such a
 * body as LIBSVM (its get_content_type(None)), so a client that never set one gets the answers it got there. */
export function requestFormat(contentType: string | undefined): RequestFormat {
  const t = mediaType(contentType);
  if (t === "") return "libsvm";
  const f = CONTENT_TYPES[t];
  if (!f) {
    throw new HttpError(415, `unsupported Content-Type "${t}"; send text/csv, application/json or text/libsvm`);
  }
  return f;
}

/**
 * SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: the answer's format for a request without Accept (or with `*\/*`), as SageMaker's
 * XGBoost container reads it (its _parse_accept); unset or empty: the request's format. It was ignored: a model
 * deployed with application/json answered its CSV requests in CSV.
 * The container's other values (application/jsonlines, application/x-recordio-protobuf) are answers this server
 * does not write: an error naming the variable, never a silent CSV.
 */
export function defaultAcceptFromEnv(env: NodeJS.ProcessEnv): Format | undefined {
  const raw = env.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT;
  const t = mediaType(raw);
  if (t === "") return undefined;
  if (t === "text/csv") return "csv";
  if (t === "application/json") return "json";
  throw new Error(`SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=${raw} is not an answer this server writes: text/csv or application/json`);
}

/** the Accept ranges that name a format, most specific first (RFC 9110 §12.5.1: the most specific range that matches a type gives its q) */
const RANGES: Record<Format, string[]> = { csv: ["text/csv", "text/*", "*/*"], json: ["application/json", "application/*", "*/*"] };

/**
 * Response format from Accept, defaulting to the request's format; or 406. Each format's q is the one of the most
 * specific range naming it (`text/csv;q=0, *\/*` refuses CSV and takes JSON: the wildcard stood for the request's
 * format, and a CSV request was answered in CSV); q=0 refuses it. The highest q wins; between equal ones the range
 * listed first, then the request's format.
 */
export function responseFormat(accept: string | undefined, fallback: Format): Format {
  if (!accept || accept.trim() === "") return fallback;
  const options = accept
    .split(",")
    .map((part, i) => {
      const [type, ...params] = part.split(";").map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      // a q that is no number in [0, 1] is a malformed parameter, ignored (the type stays at q=1), as HTTP clients
      // and servers treat it: it refused a type this endpoint answers
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { type, q: q !== undefined && /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(q.slice(2)) ? weight : 1, i };
    })
    .filter((o) => o.type !== "");
  // only empty entries (",,,"): as no Accept header
  if (accept.split(",").every((part) => part.trim() === "")) return fallback;
  const formats: Format[] = fallback === "csv" ? ["csv", "json"] : ["json", "csv"];
  const ranked = formats.flatMap((format) => {
    for (const range of RANGES[format]) {
      const named = options.filter((o) => o.type === range);
      if (named.length === 0) continue;
      const best = named.reduce((a, b) => (b.q > a.q ? b : a));
      return best.q > 0 ? [{ format, q: best.q, i: best.i }] : []; // q=0: refused, whatever a wider range says
    }
    return [];
  });
  ranked.sort((a, b) => b.q - a.q || a.i - b.i); // stable: the request's format first between equals
  if (ranked.length) return ranked[0].format;
  throw new HttpError(406, `unsupported Accept "${accept}"; this endpoint answers text/csv or application/json`);
}
