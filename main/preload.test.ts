import { beforeAll, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../app/contract/methods.ts';
import { contextBridge, ipcRenderer, resetFake } from './testing/fakeElectron.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

type Bridge = Record<string, unknown> & {
  on(cb: (e: unknown) => void): () => void;
  imageUrl(id: number): string;
  thumbUrl(id: number): string;
};

describe('preload', () => {
  let api: Bridge;

  beforeAll(async () => {
    resetFake();
    await import('./preload.ts');
    api = contextBridge.exposed.get('loupe') as Bridge;
  });

  it('exposes exactly the contract methods, on, imageUrl and thumbUrl under window.loupe', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['loupe']);
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'on', 'imageUrl', 'thumbUrl'].sort());
    for (const key of Object.keys(api)) expect(typeof api[key]).toBe('function');
    expect(Object.values(api)).not.toContain(ipcRenderer);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('invokes loupe:<method> with the request, defaulting to {}', async () => {
    const call = api['images:list'] as (req?: unknown) => Promise<unknown>;
    await expect(call({ offset: 5, limit: 10 })).resolves.toEqual({ ok: true, value: { channel: 'loupe:images:list' } });
    await (api['app:info'] as () => Promise<unknown>)();
    expect(ipcRenderer.invocations).toEqual([
      { channel: 'loupe:images:list', args: [{ offset: 5, limit: 10 }] },
      { channel: 'loupe:app:info', args: [{}] },
    ]);
  });

  it('delivers core events and menu commands to on(), without the IPC event, until unsubscribed', () => {
    const seen: unknown[] = [];
    const before = { event: ipcRenderer.listenerCount('loupe:event'), menu: ipcRenderer.listenerCount('loupe:menu') };
    const off = api.on((e) => seen.push(e));
    expect(typeof off).toBe('function');
    expect(ipcRenderer.listenerCount('loupe:event')).toBe(before.event + 1);
    expect(ipcRenderer.listenerCount('loupe:menu')).toBe(before.menu + 1);

    ipcRenderer.emitFromMain('loupe:event', { type: 'project', project: null });
    ipcRenderer.emitFromMain('loupe:menu', 'undo');
    expect(seen).toEqual([
      { type: 'project', project: null },
      { type: 'menu', action: 'undo' },
    ]);

    off();
    expect(ipcRenderer.listenerCount('loupe:event')).toBe(before.event);
    expect(ipcRenderer.listenerCount('loupe:menu')).toBe(before.menu);
    ipcRenderer.emitFromMain('loupe:menu', 'redo');
    expect(seen.length).toBe(2);
  });

  it('builds image and thumbnail URLs on the loupe: scheme', () => {
    expect(api.imageUrl(42)).toBe('loupe://image/42');
    expect(api.thumbUrl(7)).toBe('loupe://thumb/7');
  });
});
