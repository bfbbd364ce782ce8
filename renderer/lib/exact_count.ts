// The exact total of a list whose pages gave a lower bound (a text search matching many calls,
// CallPage.totalExact false): countCalls is asked step after step — each step counts a chunk
// of matches, about 0.1 s at a million calls, so the list's pages are answered in between —
// until it says it is done. The count of a filter that is no longer shown is stopped: the step
// under way is ignored when it answers and no further step is asked.

import type { ApiResult, CallCount, CallCountResume } from '../../shared/api/contract.ts';

export type CountStep = (resume: CallCountResume | undefined) => Promise<ApiResult<CallCount>>;

export interface CountListener {
  /** Counted so far (a step answered and the count goes on). */
  progress(counted: number): void;
  done(total: number): void;
  failed(message: string): void;
}

/** Starts counting; the function returned stops it (nothing is reported after it is called). */
export function countExactly(step: CountStep, on: CountListener): () => void {
  let stopped = false;
  const run = async (): Promise<void> => {
    let resume: CallCountResume | undefined;
    for (;;) {
      let r: ApiResult<CallCount>;
      try {
        r = await step(resume);
      } catch (e) {
        r = { ok: false, error: { code: 'unreachable', message: e instanceof Error ? e.message : String(e) } };
      }
      if (stopped) return;
      if (!r.ok) return on.failed(r.error.message);
      if (r.value.more === null) return on.done(r.value.counted);
      on.progress(r.value.counted);
      resume = r.value.more;
    }
  };
  void run();
  return () => {
    stopped = true;
  };
}
