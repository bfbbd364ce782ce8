// A growable FIFO of bytes for stream decoders that receive chunks cut anywhere: append at
// the end, consume from the front, read the pending bytes as one contiguous view. Compacts
// in place so memory tracks what is pending, not what has passed through.

export class ByteQueue {
  private buf = new Uint8Array(4096);
  /** Index of the first pending byte in `bytes`. */
  head = 0;
  /** Index just past the last pending byte in `bytes`. */
  len = 0;

  /** Backing array; valid between `head` and `len`. Invalidated by append(). */
  get bytes(): Uint8Array {
    return this.buf;
  }

  get pending(): number {
    return this.len - this.head;
  }

  append(data: Uint8Array): void {
    const pending = this.len - this.head;
    if (this.head > 0 && (pending === 0 || this.len + data.length > this.buf.length)) {
      this.buf.copyWithin(0, this.head, this.len);
      this.head = 0;
      this.len = pending;
    }
    if (this.len + data.length > this.buf.length) {
      let cap = this.buf.length;
      while (cap < this.len + data.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  consume(n: number): void {
    this.head = Math.min(this.len, this.head + n);
    if (this.head === this.len) this.head = this.len = 0;
  }

  clear(): void {
    this.head = this.len = 0;
  }
}
