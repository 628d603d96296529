/** A small ustar writer/reader with gzip (node:zlib): model.tar.gz as SageMaker packs it. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";

function header(name: string, size: number, type: "0" | "5", mtime: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar: path too long: ${prefix}/${name}`);
  }
  h.write(name, 0, 100, "utf8");
  h.write(type === "5" ? "0000755\0" : "0000644\0", 100, 8, "ascii");
  h.write("0000000\0", 108, 8, "ascii");
  h.write("0000000\0", 116, 8, "ascii");
  h.write(size.toString(8).padStart(11, "0") + "\0", 124, 12, "ascii");
  h.write(Math.floor(mtime).toString(8).padStart(11, "0") + "\0", 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii");
  h.write(type, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** tar.gz of the contents of `dir` (entries relative to it, like `tar -czf model.tar.gz -C model .`). */
export function packDir(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const entries = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = fs.statSync(path.join(dir, r));
      if (st.isDirectory()) {
        parts.push(header(r + "/", 0, "5", st.mtimeMs / 1000));
        walk(r);
      } else if (st.isFile()) {
        const data = fs.readFileSync(path.join(dir, r));
        parts.push(header(r, data.length, "0", st.mtimeMs / 1000), data);
        const pad = (512 - (data.length % 512)) % 512;
        if (pad) parts.push(Buffer.alloc(pad));
      }
    }
  };
  walk("");
  parts.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(parts));
}

/**
 * The most bytes a model.tar.gz may unpack to: env SAGEMAKER_LOCAL_MAX_MODEL_BYTES, else half this machine's memory.
 * The archive is decompressed in memory, and a few MB of gzip'd zeros unpack to gigabytes: enough to exhaust the
 * server's memory (and a notebook kernel hosting it).
 */
function maxModelBytes(): number {
  const given = process.env.SAGEMAKER_LOCAL_MAX_MODEL_BYTES;
  if (given === undefined || given === "") return Math.floor(os.totalmem() / 2);
  const v = Number(given);
  // a value that is not a size was the default, silently ("1GB" gave half the machine's memory)
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`env SAGEMAKER_LOCAL_MAX_MODEL_BYTES must be a whole number of bytes > 0, got ${JSON.stringify(given)}`);
  return v;
}

/** Extracts a tar.gz (or plain tar) into `dest`; rejects absolute paths and `..` segments, and archives that unpack to
 * more than maxModelBytes. */
export function unpack(buf: Buffer, dest: string): string[] {
  const limit = maxModelBytes();
  const tooLarge = () =>
    new Error(`model.tar.gz unpacks to more than ${(limit / 2 ** 20).toFixed(1)} MB (env SAGEMAKER_LOCAL_MAX_MODEL_BYTES; default half this machine's memory)`);
  let tar: Buffer;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      tar = zlib.gunzipSync(buf, { maxOutputLength: limit });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
      throw e;
    }
  } else {
    if (buf.length > limit) throw tooLarge();
    tar = buf;
  }
  const files: string[] = [];
  fs.mkdirSync(dest, { recursive: true });
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString("utf8").replace(/\0.*$/s, "");
    let name = str(0, 100);
    const prefix = str(345, 155);
    if (prefix) name = `${prefix}/${name}`;
    const size = parseInt(str(124, 12).trim() || "0", 8);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`model.tar.gz: entry ${name} has no valid size`);
    const type = String.fromCharCode(h[156] || 48);
    off += 512;
    if (off + size > tar.length) throw new Error(`model.tar.gz is truncated: entry ${name} needs ${size} bytes, ${tar.length - off} remain`);
    const data = tar.subarray(off, off + size);
    off += Math.ceil(size / 512) * 512;
    const clean = name.replace(/^\.\//, "");
    if (!clean || clean === ".") continue;
    if (path.isAbsolute(clean) || clean.split("/").includes("..")) throw new Error(`model.tar.gz: unsafe path ${name}`);
    const target = path.join(dest, clean);
    if (type === "5") fs.mkdirSync(target, { recursive: true });
    else if (type === "0" || type === "\0") {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
      files.push(clean);
    }
    // other entry types (links, pax headers) are skipped
  }
  return files;
}
