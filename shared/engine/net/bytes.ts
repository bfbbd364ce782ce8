// Big- and little-endian reads on plain Uint8Array. Hand-written instead of a DataView
// per packet: no allocation on the hot path, and V8 inlines these small functions.
// Callers check bounds first; an out-of-range index reads `undefined` → 0, never throws.

export function u16be(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function u32le(b: Uint8Array, o: number): number {
  return ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
}

/**
 * A real copy of bytes[start, end). Never `bytes.slice()`: when the bytes come from a Node
 * Buffer (the file source's reused read buffer), Buffer#slice returns a *view*, and the
 * "kept" bytes are overwritten by the next read.
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}
