import { deflateSync } from "node:zlib";
import type { JsHistogram } from "hdr-histogram-js";

/** HdrHistogram's V2 cookies, with the word-size bits its encoders set (0x10: LEB128 + ZigZag). */
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;
/** ZigZag LEB128 words take at most 9 bytes. */
const MAX_WORD_BYTES = 9;

/** One buffer reused for the uncompressed form (encoding is synchronous). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * HdrHistogram's standard compressed V2 encoding (base64), byte for byte what hdr-histogram-js'
 * `encodeIntoCompressedBase64` writes before compression, deflated by Node's zlib instead of
 * pako and written into one reused buffer instead of one that doubles from 16 bytes: a finished
 * run encodes its histogram once, and the library's encoder was most of a tiny run's CPU.
 * `counts` is the histogram's counts array; `histogram` its (up-to-date) tracking values.
 */
export function encodeCounts(histogram: JsHistogram, counts: ArrayLike<number>): string {
  const limit = histogram.totalCount === 0 ? 1 : countsIndex(histogram, histogram.maxValue) + 1;
  const needed = HEADER_BYTES + Math.min(limit, counts.length) * MAX_WORD_BYTES;
  if (scratch.length < needed) scratch = Buffer.allocUnsafe(needed * 2);
  const out = scratch;
  out.writeInt32BE(V2_COOKIE, 0);
  out.writeInt32BE(1, 8); // normalizing index offset
  out.writeInt32BE(histogram.numberOfSignificantValueDigits, 12);
  writeInt64(out, histogram.lowestDiscernibleValue, 16);
  writeInt64(out, histogram.highestTrackableValue, 24);
  writeInt64(out, 1, 32); // integer-to-double conversion ratio
  let at = HEADER_BYTES;
  let i = 0;
  while (i < limit) {
    const count = i < counts.length ? counts[i]! : 0;
    i++;
    if (count < 0) throw new RangeError(`cannot encode a histogram with a negative count at index ${i - 1}`);
    if (count === 0) {
      // A run of zeros is one negative word (a single zero is written as a count).
      let zeros = 1;
      while (i < limit && (i >= counts.length || counts[i] === 0)) {
        zeros++;
        i++;
      }
      at = writeZigZag(out, zeros > 1 ? -zeros : 0, at);
    } else {
      at = writeZigZag(out, count, at);
    }
  }
  out.writeInt32BE(at - HEADER_BYTES, 4);
  // A tiny payload (a short run's: tens of bytes) is stored, not deflated (see storedZlib). A
  // small one deflates with a 4 KB window: zlib's default 32 KB window (and its 256 KB of state)
  // costs it twice the time. Large ones (rollups, long runs) keep the default, which compresses
  // them far better. Any inflater reads all three.
  const payload = out.subarray(0, at);
  const compressed =
    at < STORE_BELOW_BYTES
      ? storedZlib(payload)
      : deflateSync(payload, at < 4096 ? { windowBits: 12, memLevel: 4 } : {});
  const encoded = Buffer.allocUnsafe(8 + compressed.length);
  encoded.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  encoded.writeInt32BE(compressed.length, 4);
  compressed.copy(encoded, 8);
  return encoded.toString("base64");
}

/** Payloads shorter than this are stored in the zlib stream rather than deflated. */
const STORE_BELOW_BYTES = 256;

/**
 * `payload` as a zlib stream (RFC 1950) of one stored, uncompressed deflate block (RFC 1951),
 * which every inflater reads (zlib, pako, Java's `Inflater`). Deflating a payload of tens of
 * bytes gains a few bytes at most, and `deflateSync` costs a native zlib stream set up and torn
 * down for it (~5 µs, and a handle for the next collection to clean up): at hundreds of tiny
 * runs a second, 7–8 % of a worker's time.
 */
export function storedZlib(payload: Uint8Array): Buffer {
  if (payload.length > 0xffff) throw new RangeError("a stored deflate block holds at most 65,535 bytes");
  const out = Buffer.allocUnsafe(2 + 5 + payload.length + 4);
  // CMF 0x78: deflate, 32 KB window; FLG 0x01: no dictionary, fastest level, and the check
  // bits that make 0x7801 a multiple of 31.
  out[0] = 0x78;
  out[1] = 0x01;
  out[2] = 0x01; // BFINAL = 1, BTYPE = 00 (stored)
  out.writeUInt16LE(payload.length, 3);
  out.writeUInt16LE(payload.length ^ 0xffff, 5);
  out.set(payload, 7);
  out.writeUInt32BE(adler32(payload), 7 + payload.length);
  return out;
}

/** The zlib stream's checksum of its uncompressed data (RFC 1950 § 8.2). */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function countsIndex(histogram: JsHistogram, value: number): number {
  return (histogram as unknown as { countsArrayIndex(value: number): number }).countsArrayIndex(value);
}

function writeInt64(out: Buffer, value: number, at: number): void {
  out.writeInt32BE(Math.floor(value / 2 ** 32) | 0, at);
  out.writeUInt32BE(value >>> 0, at + 4);
}

/** ZigZag, then LEB128 in up to 9 bytes (the 9th holds 8 bits), as HdrHistogram writes words. */
function writeZigZag(out: Buffer, signed: number, at: number): number {
  let value = signed >= 0 ? signed * 2 : -signed * 2 - 1;
  for (let byte = 0; byte < 8; byte++) {
    if (value < 0x80) {
      out[at++] = value;
      return at;
    }
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value & 0xff;
  return at;
}
