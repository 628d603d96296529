/**
 * Compressed tables (t.csv.gz, a Spark part-00000.gz, t.csv.zst), as pandas' read_csv infers and reads them: gzip and
 * zstd, decompressed as a stream (decompressedChunks: the CSV reader reads them chunk by chunk, memory bounded by the
 * chunks rather than the table) or whole (decompressWhole: the formats parsed from one buffer, and loadCsv, which reads
 * on this thread synchronously — Node has no incremental decompression that is not a stream).
 *
 * Node's zstd decompressor (Node ≥ 22.15) stops at the end of the first frame and says nothing of a file cut off inside
 * one (it hands over what it decoded): a file of frames one after another (`cat a.zst b.zst`, pzstd's) read as its
 * first frame only, a truncated one as a silently shorter table. The frames are therefore found here from their
 * headers (ZstdFrames, RFC 8878), each decompressed by a fresh decompressor, and a file ending inside a frame is an
 * Error — as the zstd command line reads them. gzip's members are read by zlib itself, every one, as gunzip does.
 */
import * as fs from "fs";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import * as zlib from "zlib";

export type Compression = "gzip" | "zstd";

/** The decompressed chunks handed to the reader: zlib's output buffer size. */
const OUT_CHUNK = 1 << 20;
/** Compressed bytes read at a time. */
const IN_CHUNK = 1 << 20;

/** Node's zstd decompressor came in Node 22.15 (and 23.8); the project's engines allow 22.12. */
export function checkZstd(what: string): void {
  if (typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress !== "function") {
    throw new Error(`${what} is zstd-compressed: reading zstd needs Node 22.15 or later (this is Node ${process.versions.node}) — upgrade Node, or decompress it first (zstd -d)`);
  }
}

/** The source's compressed bytes as a stream, IN_CHUNK at a time (a Buffer too: zlib honours backpressure between writes). */
function compressedStream(src: { file?: string; bytes?: Uint8Array }): Readable {
  if (src.file) return fs.createReadStream(src.file, { highWaterMark: IN_CHUNK });
  const bytes = src.bytes!;
  return Readable.from(
    (function* () {
      for (let o = 0; o < bytes.length; o += IN_CHUNK) yield Buffer.from(bytes.buffer, bytes.byteOffset + o, Math.min(IN_CHUNK, bytes.length - o));
    })(),
  );
}

/** A zlib error as an Error naming the file (zlib's own message says neither which file nor that it is compressed). */
function notWhole(what: string, kind: Compression, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  // a frame written with zstd --long: its window (the memory decoding it takes) is over zstd's default limit of 128 MB,
  // which the zstd command line and pandas (python-zstandard) keep to unless told otherwise — and so is it here
  if (err.code === "ZSTD_error_frameParameter_windowTooLarge")
    return new Error(`${what}: a zstd frame needs a window of more than 128 MB to decode (written with zstd --long), over zstd's default limit, which is kept here as by the zstd command line and pandas: decompress it first (zstd -d --long=31)`);
  if (err.code?.startsWith("ZSTD_")) return new Error(`${what} is not a valid zstd file: ${err.message}`);
  if (err.code?.startsWith("Z_") || err.code === "ERR_ZLIB_INITIALIZATION_FAILED") return new Error(`${what} is not a whole ${kind} file: ${err.message}`);
  return err;
}

/**
 * The decompressed bytes of a gzip or zstd file or buffer, in chunks of up to OUT_CHUNK bytes, as they are
 * decompressed; `compressedRead()` tells how many compressed bytes the decompressor has taken so far (the progress
 * line's count: the file's size is the compressed size). Breaking out of the loop closes the file.
 */
export function decompressedChunks(src: { file?: string; bytes?: Uint8Array }, kind: Compression, what: string): { chunks: AsyncIterable<Uint8Array>; compressedRead(): number } {
  const source = compressedStream(src);
  if (kind === "gzip") {
    const gunzip = zlib.createGunzip({ chunkSize: OUT_CHUNK });
    const done = pipeline(source, gunzip);
    done.catch(() => undefined); // seen by the loop below, through gunzip
    const size = src.bytes ? src.bytes.length : fs.statSync(src.file!).size;
    return {
      chunks: (async function* () {
        try {
          // not destroyed when its output ends: zlib ends it early, with input left, at bytes after a member that begin
          // with a zero byte (padding, or garbage gzip -d ignores) — destroyed then with its input unfinished, the
          // loop threw an AbortError naming nothing, or not, by the race between the two
          for await (const c of gunzip.iterator({ destroyOnReturn: false })) yield c as Uint8Array;
          if (gunzip.bytesWritten < size) trailingZeros(src, gunzip.bytesWritten, what);
          else await done;
        } catch (e) {
          throw notWhole(what, kind, e);
        } finally {
          source.destroy();
          gunzip.destroy();
        }
      })(),
      // the bytes zlib has taken (not those read ahead of it)
      compressedRead: () => gunzip.bytesWritten,
    };
  }
  checkZstd(what);
  const taken = { before: 0, current: undefined as zlib.Gunzip | undefined };
  return { chunks: zstdChunks(source, what, taken), compressedRead: () => taken.before + (taken.current?.bytesWritten ?? 0) };
}

/**
 * The bytes after a gzip file's last member, from `at`: zeros are padding (Python's gzip, and so pandas, reads past
 * them; tape blocks and some writers pad so), anything else an Error — gzip -d warns "trailing garbage ignored", pandas
 * refuses it, and a table with something unread after it may not be the table meant.
 */
function trailingZeros(src: { file?: string; bytes?: Uint8Array }, at: number, what: string): void {
  const notZero = (b: Uint8Array) => b.findIndex((x) => x !== 0);
  const garbage = (k: number) => new Error(`${what} is not a whole gzip file: the bytes at offset ${k} follow its last gzip member and are not one (only zero bytes may pad a gzip file)`);
  if (src.bytes) {
    const k = notZero(src.bytes.subarray(at));
    if (k >= 0) throw garbage(at + k);
    return;
  }
  const fd = fs.openSync(src.file!, "r");
  try {
    const piece = new Uint8Array(IN_CHUNK);
    for (let n: number; (n = fs.readSync(fd, piece, 0, IN_CHUNK, at)) > 0; at += n) {
      const k = notZero(piece.subarray(0, n));
      if (k >= 0) throw garbage(at + k);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A zstd stream's frames, each through a fresh decompressor (Node's reads one frame), skippable frames skipped. */
async function* zstdChunks(source: Readable, what: string, taken: { before: number; current?: zlib.Gunzip }): AsyncGenerator<Uint8Array> {
  const input = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const frames = new ZstdFrames(what);
  let rest: Uint8Array | undefined; // bytes read past the end of the last frame
  let ended = false;
  // the next frame's bytes as they arrive, up to its end (skippable frames before it passed over)
  async function* frame(): AsyncGenerator<Uint8Array> {
    let held: Uint8Array | undefined;
    for (;;) {
      let piece = rest;
      rest = undefined;
      if (!piece) {
        const n = await input.next();
        if (n.done) {
          ended = true;
          frames.end();
          return;
        }
        piece = n.value;
      }
      const { take, end, kind } = frames.walk(piece);
      // a frame's first bytes are held until its magic number says whether it is data or skippable
      held = held ? Buffer.concat([held, piece.subarray(0, take)]) : piece.subarray(0, take);
      if (take < piece.length) rest = piece.subarray(take);
      if (kind === undefined) continue;
      if (kind === "data" && held.length) yield held;
      held = undefined;
      if (end && kind === "data") return;
    }
  }
  try {
    for (;;) {
      if (!rest && !ended) {
        const n = await input.next();
        if (n.done) ended = true;
        else rest = n.value;
      }
      if (!rest) return;
      const z = (zlib as unknown as { createZstdDecompress(o: object): zlib.Gunzip }).createZstdDecompress({ chunkSize: OUT_CHUNK });
      const done = pipeline(Readable.from(frame()), z);
      done.catch(() => undefined); // seen by the loop below, through the decompressor
      taken.current = z;
      for await (const c of z) yield c as Uint8Array;
      await done;
      taken.before += z.bytesWritten;
      taken.current = undefined;
    }
  } catch (e) {
    throw notWhole(what, "zstd", e);
  } finally {
    source.destroy();
  }
}

/**
 * Where zstd frames end, from their headers alone (RFC 8878 §3.1): a frame's header (magic, descriptor, window,
 * dictionary id, content size), then blocks of a 3-byte header giving each block's size (an RLE block is one byte),
 * the last one flagged, then a checksum if the descriptor says so; a skippable frame is its magic, a 4-byte size and
 * that many bytes. walk(piece) passes over piece up to the end of the frame it is in.
 */
type FrameKind = "data" | "skippable";

export class ZstdFrames {
  private offset = 0; // bytes walked
  private header: number[] = []; // the header bytes collected so far
  private want = 4; // header bytes the step needs
  private step: "magic" | "descriptor" | "block" | "skippableSize" = "magic";
  private skip = 0; // bytes to pass over (a block's, a frame header's fields, a skippable frame's)
  private endAfterSkip = false;
  private checksum = false;
  private skippable = false;
  private inFrame = false;

  constructor(private what: string) {}

  /**
   * piece's bytes up to the end of the current frame (all of them if it does not end there), whether it ends there, and
   * the frame's kind: a skippable frame's bytes are not zstd data; undefined while its magic number is not whole.
   */
  walk(piece: Uint8Array): { take: number; end: boolean; kind?: FrameKind } {
    let i = 0;
    const ended = () => {
      const kind = this.kind();
      this.offset += i;
      this.step = "magic";
      this.want = 4;
      this.endAfterSkip = false;
      this.inFrame = false;
      this.skippable = false;
      return { take: i, end: true, kind };
    };
    while (i < piece.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, piece.length - i);
        i += n;
        this.skip -= n;
        if (this.skip === 0 && this.endAfterSkip) return ended();
        continue;
      }
      this.inFrame = true;
      this.header.push(piece[i++]);
      if (this.header.length < this.want) continue;
      const h = this.header;
      this.header = [];
      if (this.step === "magic") {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (magic === 0xfd2fb528) {
          this.step = "descriptor";
          this.want = 1;
        } else if (magic >>> 4 === 0x184d2a5) {
          this.skippable = true;
          this.step = "skippableSize";
          this.want = 4;
        } else {
          throw new Error(`${this.what} is not a whole zstd file: the bytes at offset ${this.offset + i - 4} are not a zstd frame (after the frames before them)`);
        }
      } else if (this.step === "skippableSize") {
        this.skip = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        this.endAfterSkip = true;
        if (this.skip === 0) return ended();
      } else if (this.step === "descriptor") {
        const d = h[0];
        if (d & 0x08) throw new Error(`${this.what} is not a whole zstd file: a frame header at offset ${this.offset + i - 5} sets the reserved bit`);
        const single = (d >> 5) & 1;
        this.checksum = ((d >> 2) & 1) === 1;
        const dictionaryId = [0, 1, 2, 4][d & 3];
        const contentSize = [single ? 1 : 0, 2, 4, 8][d >> 6];
        this.skip = (single ? 0 : 1) + dictionaryId + contentSize;
        this.step = "block";
        this.want = 3;
      } else {
        const v = h[0] | (h[1] << 8) | (h[2] << 16);
        const type = (v >> 1) & 3;
        if (type === 3) throw new Error(`${this.what} is not a whole zstd file: a block at offset ${this.offset + i - 3} has the reserved type`);
        const body = type === 1 ? 1 : v >>> 3;
        if (v & 1) {
          // the last block, then the checksum
          this.skip = body + (this.checksum ? 4 : 0);
          this.endAfterSkip = true;
          if (this.skip === 0) return ended();
        } else this.skip = body;
      }
    }
    this.offset += i;
    return { take: i, end: false, kind: this.kind() };
  }

  private kind(): FrameKind | undefined {
    return this.step === "magic" ? undefined : this.skippable ? "skippable" : "data";
  }

  /** The input ended: an Error if inside a frame (a file cut off, which Node's decompressor reads as a shorter one). */
  end(): void {
    if (this.inFrame) throw new Error(`${this.what} is not a whole zstd file: it ends inside a frame (cut off?) at ${this.offset} bytes`);
  }
}

/**
 * The decompressed size a compressed file announces, where it does: gzip's trailer (ISIZE, its last member's size mod
 * 4 GiB) and a zstd frame header's content size (the zstd command line writes it for a file; the first frame's) — a
 * hint for whether a load is long enough to show its progress line, as a plain file's size is: a 20 MB .csv.gz of
 * 200 MB of CSV takes as long to read as the 200 MB file. `head`: the file's first 18 bytes, `tail` its last 4.
 */
export function announcedSize(kind: Compression, head: Uint8Array, tail: Uint8Array): number | undefined {
  const le = (b: Uint8Array, at: number, n: number) => {
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 256 + b[at + k];
    return v;
  };
  if (kind === "gzip") return tail.length === 4 ? le(tail, 0, 4) : undefined;
  if (head.length < 5 || le(head, 0, 4) !== 0xfd2fb528) return undefined;
  const d = head[4];
  const single = (d >> 5) & 1;
  const size = [single ? 1 : 0, 2, 4, 8][d >> 6];
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][d & 3];
  if (size === 0 || head.length < at + size) return undefined;
  return le(head, at, size) + (size === 2 ? 256 : 0);
}

const sizeText = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MB` : `${b} bytes`);

/**
 * A gzip or zstd buffer decompressed whole (every gzip member, every zstd frame), at most `limit` bytes: for the formats
 * parsed from one buffer (JSON, JSON Lines, LIBSVM, Arrow, Parquet) and loadCsv's synchronous read. `why`: the words
 * saying why this format is read whole, for the Error of a file too large.
 */
export function decompressWhole(bytes: Uint8Array, kind: Compression, what: string, limit: number, why: string): Uint8Array {
  const tooLarge = () => new Error(`${what} decompresses to more than ${sizeText(limit)}, half the memory the load may use (maxMemory): ${why} — decompress it to a file and load that, or give more memory`);
  try {
    if (kind === "gzip") return zlib.gunzipSync(bytes, { maxOutputLength: limit });
    checkZstd(what);
    const zstdSync = (zlib as unknown as { zstdDecompressSync(b: Uint8Array, o: object): Buffer }).zstdDecompressSync;
    const frames = new ZstdFrames(what);
    const out: Uint8Array[] = [];
    let total = 0;
    for (let at = 0; at < bytes.length; ) {
      const { take, end, kind } = frames.walk(bytes.subarray(at));
      if (end && kind === "data") {
        const part = zstdSync(bytes.subarray(at, at + take), { maxOutputLength: Math.max(1, limit - total) });
        out.push(part);
        total += part.length;
      }
      at += take;
    }
    frames.end();
    return out.length === 1 ? out[0] : Buffer.concat(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw notWhole(what, kind, e);
  }
}
