// Minimal safetensors writer/reader (header: u64 little-endian length + JSON; data: raw
// little-endian tensors in header order, 8-byte aligned header).
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const DTYPE_BYTES = { F32: 4, BF16: 2, F16: 2, I32: 4, I64: 8, U8: 1 };

/**
 * tensors: Array<{ name, dtype: 'F32'|'BF16', shape: number[], data: Float32Array | Uint16Array }>
 * Written in the given order; `metadata` values must be strings.
 */
export function writeSafetensors(path, tensors, metadata = {}) {
  const header = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    const bytes = count * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== bytes) throw new Error(`${t.name}: ${t.data.byteLength} bytes for shape [${t.shape}] ${t.dtype}`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)), 0);
  head.write(json, 8, 'utf8');
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    for (const t of tensors) writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  } finally {
    closeSync(fd);
  }
}

/** The header of a safetensors file: { tensors: {name: {dtype, shape, data_offsets}}, metadata }. */
export function readSafetensorsHeader(path) {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, 8);
    const header = JSON.parse(buf.toString('utf8'));
    const metadata = header.__metadata__ ?? {};
    delete header.__metadata__;
    return { tensors: header, metadata, dataStart: 8 + n };
  } finally {
    closeSync(fd);
  }
}
