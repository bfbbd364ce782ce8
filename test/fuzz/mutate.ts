// Seeded mutations for the fuzzer: the same (seed, index) always gives the same input, so a
// failure is reproduced from two numbers. Mutations are byte-level (any decoder) with a few
// that know the shape of what they hit: length fields of binary records, and digits/quotes/
// delimiters of text rows (where dates, counts and CSV framing live).

/** xorshift32, seeded; never 0. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.x = x;
    return x;
  }
  /** 0 ≤ r < n */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** murmur3's finaliser: every input bit moves every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed for input `index` of a run seeded with `seed` (inputs are independent of each
 * other). The run seed is mixed before the index is added, so runs with different seeds do not
 * share inputs at shifted indexes.
 */
export function inputSeed(seed: number, index: number): number {
  return mix((mix(seed >>> 0) + Math.imul(index + 1, 0x9e3779b9)) >>> 0) || 1;
}

export interface Mutated {
  bytes: Uint8Array;
  /** What was done, for the failure report: e.g. ['bitflip@1234', 'truncate@5000']. */
  ops: string[];
}

const BOUNDARY32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const BOUNDARY16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];

function isText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  return true;
}

type Op = (b: Uint8Array, r: Rng) => { bytes: Uint8Array; op: string };

const bitflip: Op = (b, r) => {
  const out = b.slice();
  const n = 1 + r.int(8);
  const at: number[] = [];
  for (let k = 0; k < n && out.length > 0; k++) {
    const i = r.int(out.length);
    out[i] ^= 1 << r.int(8);
    at.push(i);
  }
  return { bytes: out, op: `bitflip@${at.join(',')}` };
};

const byteRun: Op = (b, r) => {
  const out = b.slice();
  if (out.length === 0) return { bytes: out, op: 'byterun@-' };
  const i = r.int(out.length);
  const len = 1 + r.int(Math.min(256, out.length - i));
  const v = r.pick([0x00, 0xff, 0x20, 0x22, 0x2c, 0x0a, r.int(256)]);
  out.fill(v, i, i + len);
  return { bytes: out, op: `byterun@${i}+${len}=${v}` };
};

const truncate: Op = (b, r) => {
  const i = r.int(b.length + 1);
  return { bytes: b.slice(0, i), op: `truncate@${i}` };
};

const lengthField: Op = (b, r) => {
  const out = b.slice();
  if (out.length < 8) return { bytes: out, op: 'length@-' };
  // Record headers sit at 4-byte boundaries in pcap/pcapng; lengths are 16 or 32 bits, either order.
  const i = r.int(out.length - 4) & ~3;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = r.int(2) === 0;
  if (r.int(3) === 0) {
    const v = r.pick(BOUNDARY16);
    dv.setUint16(i, v, le);
    return { bytes: out, op: `len16@${i}=${v}${le ? 'le' : 'be'}` };
  }
  const v = r.int(4) === 0 ? (dv.getUint32(i, le) + r.pick([1, -1, 4, -4, 0x1000])) >>> 0 : r.pick(BOUNDARY32);
  dv.setUint32(i, v, le);
  return { bytes: out, op: `len32@${i}=${v}${le ? 'le' : 'be'}` };
};

const duplicateBlock: Op = (b, r) => {
  if (b.length === 0) return { bytes: b.slice(), op: 'dup@-' };
  const i = r.int(b.length);
  const len = 1 + r.int(Math.min(4096, b.length - i));
  const at = r.int(b.length + 1);
  const out = new Uint8Array(b.length + len);
  out.set(b.subarray(0, at), 0);
  out.set(b.subarray(i, i + len), at);
  out.set(b.subarray(at), at + len);
  return { bytes: out, op: `dup@${i}+${len}->${at}` };
};

const removeBlock: Op = (b, r) => {
  if (b.length === 0) return { bytes: b.slice(), op: 'remove@-' };
  const i = r.int(b.length);
  const len = 1 + r.int(Math.min(4096, b.length - i));
  const out = new Uint8Array(b.length - len);
  out.set(b.subarray(0, i), 0);
  out.set(b.subarray(i + len), i);
  return { bytes: out, op: `remove@${i}+${len}` };
};

const appendGarbage: Op = (b, r) => {
  const len = 1 + r.int(2048);
  const out = new Uint8Array(b.length + len);
  out.set(b, 0);
  for (let k = 0; k < len; k++) out[b.length + k] = r.int(256);
  return { bytes: out, op: `append+${len}` };
};

/** Text: change a digit (dates, counts, causes), or put a quote / delimiter / line break somewhere. */
const textEdit: Op = (b, r) => {
  const out = b.slice();
  const digits: number[] = [];
  for (let i = 0; i < out.length && digits.length < 4096; i++) if (out[i] >= 0x30 && out[i] <= 0x39) digits.push(i);
  if (digits.length > 0 && r.int(3) > 0) {
    const i = r.pick(digits);
    out[i] = 0x30 + r.int(10);
    return { bytes: out, op: `digit@${i}=${out[i] - 0x30}` };
  }
  if (out.length === 0) return { bytes: out, op: 'text@-' };
  const i = r.int(out.length);
  const c = r.pick([0x22, 0x2c, 0x0a, 0x0d, 0x7c, 0x2d, 0x7b, 0x7d]);
  const ins = new Uint8Array(out.length + 1);
  ins.set(out.subarray(0, i), 0);
  ins[i] = c;
  ins.set(out.subarray(i), i + 1);
  return { bytes: ins, op: `insert@${i}=${c}` };
};

const BINARY_OPS: Array<[Op, number]> = [[bitflip, 4], [byteRun, 2], [truncate, 2], [lengthField, 4], [duplicateBlock, 2], [removeBlock, 2], [appendGarbage, 1]];
const TEXT_OPS: Array<[Op, number]> = [[bitflip, 2], [byteRun, 1], [truncate, 2], [duplicateBlock, 2], [removeBlock, 2], [appendGarbage, 1], [textEdit, 5]];

function weighted(ops: Array<[Op, number]>, r: Rng): Op {
  const total = ops.reduce((s, [, w]) => s + w, 0);
  let x = r.int(total);
  for (const [op, w] of ops) {
    if (x < w) return op;
    x -= w;
  }
  return ops[0][0];
}

/** 1–4 mutations of a seed file. */
export function mutate(seed: Uint8Array, r: Rng): Mutated {
  const ops = isText(seed) ? TEXT_OPS : BINARY_OPS;
  let bytes = seed;
  const done: string[] = [];
  const n = 1 + r.int(4);
  for (let k = 0; k < n; k++) {
    const { bytes: b, op } = weighted(ops, r)(bytes, r);
    bytes = b;
    done.push(op);
  }
  return { bytes, ops: done };
}
