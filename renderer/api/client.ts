import type { MethodName, Reply, Req, Res } from '../../app/contract/methods.ts';

export type { LoupeBridge, MenuEvent, UiEvent } from '../../app/contract/bridge.ts';
import type { LoupeBridge, UiEvent } from '../../app/contract/bridge.ts';

/** An error reply from the core, with its code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

declare global {
  interface Window {
    loupe?: LoupeBridge;
  }
}

/** The browser host's client: same methods over HTTP, events over SSE. */
function httpBridge(): LoupeBridge {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const q = `token=${encodeURIComponent(token)}`;
  const invoke = async (method: string, req: unknown) => {
    const res = await fetch(`/rpc/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': token },
      body: JSON.stringify(req ?? {}),
    });
    if (!res.ok) return { ok: false, error: { code: 'transport', message: `${res.status} ${await res.text()}` } };
    return res.json();
  };
  const bridge = new Proxy({} as Record<string, unknown>, {
    get(_t, name: string) {
      if (name === 'on') {
        return (cb: (e: UiEvent) => void) => {
          const es = new EventSource(`/events?${q}`);
          es.onmessage = (m) => cb(JSON.parse(m.data));
          return () => es.close();
        };
      }
      if (name === 'imageUrl') return (id: number) => `/image/${id}?${q}`;
      if (name === 'thumbUrl') return (id: number) => `/thumb/${id}?${q}`;
      return (req: unknown) => invoke(name, req);
    },
  });
  return bridge as unknown as LoupeBridge;
}

const bridge: LoupeBridge = window.loupe ?? httpBridge();

/** Call a contract method; resolves with the value or throws ApiError. */
export async function call<M extends MethodName>(method: M, req: Req<M>): Promise<Res<M>> {
  const reply = (await bridge[method](req as never)) as Reply<Res<M>>;
  if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message);
  return reply.value;
}

export const onEvent = (cb: (e: UiEvent) => void) => bridge.on(cb);
export const imageUrl = (id: number) => bridge.imageUrl(id);
export const thumbUrl = (id: number) => bridge.thumbUrl(id);

export type { Res };
