import { z } from 'zod';
import { isMethodName, METHODS, type MethodName, type Reply } from '../contract/methods.ts';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { HANDLERS } from '../services/handlers.ts';
import type { Session } from '../services/Session.ts';

/** One function every host calls: validate, run, validate the reply, wrap errors. */
export type Dispatch = (method: string, payload: unknown) => Promise<Reply<unknown>>;

/** Build the dispatcher for a session. Replies are checked too, so a handler bug surfaces as `internal`, not as bad data. */
export function createDispatcher(session: Session): Dispatch {
  return async (method, payload) => {
    if (!isMethodName(method)) return fail('unknown_method', `Unknown method "${method}".`);
    const spec = METHODS[method];
    let parsed: ReturnType<typeof spec.request.safeParse>;
    try {
      parsed = spec.request.safeParse(payload ?? {});
    } catch (err) {
      // A value nested thousands deep overflows the stack of a recursive check (z.json()).
      if (err instanceof RangeError) return fail('bad_request', `${method}: the request is nested too deeply to check (${err.message}).`);
      throw err;
    }
    if (!parsed.success) return fail('bad_request', `${method}: ${describe(parsed.error)}`);
    try {
      const handler = HANDLERS[method] as (s: Session, req: unknown) => unknown;
      const value = await handler(session, parsed.data);
      const checked = (spec.reply as z.ZodType).safeParse(value);
      if (!checked.success) return fail('internal', `${method} produced an invalid reply: ${describe(checked.error)}`);
      return { ok: true, value: checked.data };
    } catch (err) {
      if (err instanceof LoupeError) return fail(err.code, err.message);
      return fail('internal', `${method} failed: ${messageOf(err)}`);
    }
  };
}

function fail(code: string, message: string): Reply<never> {
  return { ok: false, error: { code, message } };
}

/** A one-line, person-readable account of what was wrong with a payload. */
export function describe(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`)
    .join('; ');
}

export type { MethodName };
