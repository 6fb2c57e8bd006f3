import { inflateSync } from "node:zlib";
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { decodeHistogram, encodeHistogram, latencyHistogram } from "./histogram.js";
import { storedZlib } from "./histogram-codec.js";

/** The uncompressed V2 payload inside an encoding. */
function payload(encoded: string): Buffer {
  const outer = Buffer.from(encoded, "base64");
  return inflateSync(outer.subarray(8, 8 + outer.readInt32BE(4)));
}

function histogramOf(values: [value: number, count: number][]) {
  const h = latencyHistogram();
  for (const [value, count] of values) h.recordValueWithCount(value, count);
  return h;
}

const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const next = random(42);

describe("encodeHistogram", () => {
  it.each([
    ["an empty histogram", []],
    ["one value", [[1500, 1]]],
    ["the lowest value", [[1, 3]]],
    [
      "values 0.1 % apart",
      [
        [1000, 1],
        [1001, 2],
        [1002, 3],
      ],
    ],
    ["a huge count", [[250, 2 ** 40 + 7]]],
    [
      "a value beyond the initial range (resized)",
      [
        [5_000, 2],
        [3_600_000_000, 1],
      ],
    ],
    [
      "a thousand random latencies",
      Array.from({ length: 1000 }, () => [
        Math.floor(1 + next() ** 3 * 20_000_000),
        1 + Math.floor(next() * 5),
      ]),
    ],
  ] as [string, [number, number][]][])("writes what hdr-histogram-js writes, for %s", (_name, values) => {
    const h = histogramOf(values);
    const ours = encodeHistogram(h);
    const library = encodeIntoCompressedBase64(h);
    expect(payload(ours).equals(payload(library))).toBe(true);
    // Decoded, both give the histogram back (to its 0.1 % resolution: the format keeps buckets).
    const decoded = decodeHistogram(ours);
    const fromLibrary = decodeHistogram(library);
    // The library's own decoder (pako) reads ours too, stored or deflated.
    const decodedByLibrary = decodeFromCompressedBase64(ours, 64);
    expect(decodedByLibrary.totalCount).toBe(h.totalCount);
    expect(decodedByLibrary.getValueAtPercentile(99)).toBe(h.getValueAtPercentile(99));
    expect(decoded.totalCount).toBe(h.totalCount);
    expect(decoded.maxValue).toBe(fromLibrary.maxValue);
    for (const p of [50, 90, 99, 99.9]) {
      expect(decoded.getValueAtPercentile(p)).toBe(fromLibrary.getValueAtPercentile(p));
      expect(decoded.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
    }
  });
});

describe("storedZlib", () => {
  it("writes a zlib stream every inflater reads back, for every length of a stored block", () => {
    for (const length of [0, 1, 2, 31, 255, 256, 4096, 65_535]) {
      const data = Buffer.from(Array.from({ length }, (_, i) => (i * 31 + length) % 256));
      const stream = storedZlib(data);
      expect(stream.length).toBe(data.length + 11);
      expect(inflateSync(stream).equals(data)).toBe(true);
    }
    expect(() => storedZlib(Buffer.alloc(65_536))).toThrow(/65,535 bytes/);
  });

  it("is what a tiny run's histogram is stored in, and a large one is still deflated", () => {
    const tiny = Buffer.from(encodeHistogram(histogramOf([[106, 1]])), "base64");
    // After the cookie and length: zlib header 78 01, then a final stored block (01).
    expect([...tiny.subarray(8, 11)]).toEqual([0x78, 0x01, 0x01]);
    const large = Buffer.from(
      encodeHistogram(histogramOf(Array.from({ length: 500 }, (_, i) => [100 + i * 37, 1 + (i % 3)]))),
      "base64",
    );
    expect(large[10]! & 0x06).not.toBe(0); // BTYPE 01 or 10: compressed
  });
});
