// How many index connections this thread has open (module state is per thread, so each
// worker counts its own). The back end promises that the main thread keeps none after
// start-up — its queries run in the query worker — and tests hold it to that with this count.

let open = 0;

export function connectionOpened(): void {
  open++;
}

export function connectionClosed(): void {
  open--;
}

/** Index connections (openIndex, openIndexReader) open on the calling thread. */
export function openConnections(): number {
  return open;
}
