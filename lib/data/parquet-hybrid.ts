/**
 * Parquet's RLE / bit-packing hybrid encoding (definition levels, dictionary indexes), decoded with bounds.
 *
 * The stream is a sequence of runs, each introduced by a ULEB128 varint header h:
 *   - h even: an RLE run — the value (⌈width/8⌉ little-endian bytes) repeated h >> 1 times;
 *   - h odd:  a bit-packed run — (h >> 1) groups of 8 values, width bits each, LSB first.
 * A writer pads the last bit-packed group to 8 values, and DuckDB pads its last bit-packed run to 256 values (every
 * nullable or dictionary-encoded column of a DuckDB file): a bit-packed run may cover more values than the page holds,
 * its bytes written in full. Arrow C++, parquet-mr, arrow-rs and hyparquet read such a run's first values and
 * ignore the rest; so does this decoder, when the run's bytes are there.
 *
 * hyparquet's decoder (encoding.js) trusts the counts: in a damaged file a run of 2^30 values, or a bit-packed
 * count that overflows 32 bits with width 0, makes it loop for seconds to forever (nothing is read per value), or
 * grow its plain-Array output past V8's limit, which kills the process — both found by `npm run fuzz`. Here every
 * run is clamped to the values still expected and to the bytes the stream has; an RLE run longer than the values
 * left, or a stream that runs out of bytes, is an Error saying so. lib decodes the
 * pages it reads itself with this, and checks the level streams it leaves to hyparquet before hyparquet sees them.
 */

/** Decodes `output.length` values of `width` bits from view[offset, end) into output; returns the offset after. */
export function decodeHybrid(view: DataView, offset: number, end: number, width: number, output: Uint8Array | Int32Array, what: string): number {
  if (!(Number.isInteger(width) && width >= 0 && width <= 32)) throw new Error(`${what}: bit width ${width} is not 0..32`);
  if (!(Number.isInteger(offset) && Number.isInteger(end) && 0 <= offset && offset <= end)) throw new Error(`${what}: bytes [${offset}, ${end}) are not a range`);
  if (end > view.byteLength) throw new Error(`${what}: its ${end - offset} bytes run past the page (${view.byteLength - offset} left)`);
  const n = output.length;
  const valueBytes = (width + 7) >> 3;
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  let seen = 0;
  while (seen < n) {
    // the run header: a ULEB128 varint (at most 5 bytes for 32 bits)
    let header = 0, shift = 0, byte: number;
    do {
      if (offset >= end) throw new Error(`${what}: the runs end after ${seen} of ${n} values`);
      byte = view.getUint8(offset++);
      header += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    if (byte & 0x80) throw new Error(`${what}: a run header longer than 5 bytes at byte ${offset}`);
    const left = n - seen;
    // writers never emit an empty run; refusing one bounds the loop by the values, not by the bytes (a damaged
    // page can claim gigabytes of zeros — each a header of an empty run)
    if (header < 2) throw new Error(`${what}: an empty run at byte ${offset - 1}`);
    if (header % 2 === 0) {
      const count = Math.floor(header / 2);
      if (count > left) throw new Error(`${what}: an RLE run of ${count} values where ${left} remain`);
      if (offset + valueBytes > end) throw new Error(`${what}: an RLE run's value runs past the stream`);
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value += view.getUint8(offset++) * 2 ** (8 * i);
      output.fill(value, seen, seen + count);
      seen += count;
    } else {
      const count = Math.floor(header / 2) * 8;
      const bytes = (count * width) / 8;
      if (offset + bytes > end) throw new Error(`${what}: a bit-packed run of ${bytes} bytes runs past the stream`);
      const take = Math.min(count, left);
      // value i occupies bits [i·width, (i+1)·width) of the run, least significant bit first
      if (width <= 24) {
        // a value spans at most 4 bytes: read them as one little-endian word (zeros past the run's last byte)
        const last = offset + bytes;
        for (let i = 0, bit = 0; i < take; i++, bit += width) {
          const at = offset + (bit >> 3);
          let word = view.getUint8(at);
          if (at + 1 < last) word |= view.getUint8(at + 1) << 8;
          if (at + 2 < last) word |= view.getUint8(at + 2) << 16;
          if (at + 3 < last) word |= view.getUint8(at + 3) << 24;
          output[seen + i] = (word >>> (bit & 7)) & mask;
        }
        offset += bytes;
        seen += take;
        continue;
      }
      for (let i = 0; i < take; i++) {
        let bit = i * width, value = 0, got = 0;
        while (got < width) {
          const b = view.getUint8(offset + (bit >> 3));
          const from = bit & 7, k = Math.min(8 - from, width - got);
          value += ((b >> from) & ((1 << k) - 1)) * 2 ** got;
          got += k;
          bit += k;
        }
        output[seen + i] = value & mask;
      }
      offset += bytes;
      seen += take;
    }
  }
  return offset;
}
