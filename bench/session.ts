import { createDispatcher } from '../app/hosts/dispatcher.ts';
import { Session } from '../app/services/Session.ts';

/** A session as a host serves it, and a call that returns the reply's value or throws its error. */
export function benchSession(): { session: Session; ok: <T>(method: string, req: unknown) => Promise<T> } {
  const session = new Session('bench', { annotator: 'bench' });
  const d = createDispatcher(session);
  const ok = async <T>(method: string, req: unknown): Promise<T> => {
    const r = await d(method, req);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value as T;
  };
  return { session, ok };
}
