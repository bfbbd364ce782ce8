// Errors cross the API as values ({ok:false, error:{code, message}}), never as exceptions:
// handlers throw ApiFailure for the errors they mean, and the transports (IPC, HTTP bridge)
// turn anything thrown into a value through invokeHandler, so both report alike.

import type { ApiError, ApiHandlers, ApiMethod, ApiResult } from '../../../shared/api/contract.ts';

/** An error the user should see as is (bad argument, unknown id, busy…). */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export function errorValue(e: unknown): ApiError {
  if (e instanceof ApiFailure) return { code: e.code, message: e.message };
  // An unexpected throw is a bug: say so without leaking a stack to the page.
  return { code: 'internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` };
}

export function isApiMethod(name: unknown, methods: readonly string[]): name is ApiMethod {
  return typeof name === 'string' && methods.includes(name);
}

/** Calls one handler and returns its result as a value, whatever happens. */
export async function invokeHandler(handlers: ApiHandlers, method: ApiMethod, args: unknown): Promise<ApiResult<unknown>> {
  try {
    const fn = handlers[method] as (a: unknown) => Promise<unknown>;
    return { ok: true, value: await fn(args) };
  } catch (e) {
    return { ok: false, error: errorValue(e) };
  }
}
