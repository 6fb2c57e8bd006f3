import { PassThrough } from "node:stream";

/** A writable stream that keeps what was written (a real stream, not a stub of our code). */
export function captureStream(): NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  const chunks: Buffer[] = [];
  (stream as unknown as PassThrough).on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.text = () => Buffer.concat(chunks).toString("utf8");
  return stream;
}
