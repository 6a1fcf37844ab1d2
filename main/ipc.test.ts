import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../app/contract/methods.ts';
import type { Dispatch } from '../app/hosts/dispatcher.ts';
import { channelOf, EVENT_CHANNEL, forwardEvents, isTrustedSender, registerContract, trustedIn } from './ipc.ts';
import { FakeWebContents, ipcMain, resetFake, type FakeFrame } from './testing/fakeElectron.ts';
import { makeTempProject, type TempProject } from './testing/tempProject.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

const top: FakeFrame = { url: 'loupe://app/index.html', parent: null };
const ours = new FakeWebContents();
const trusted = { senderFrame: top, sender: { id: ours.id } };
type ErrorReply = { ok: false; error: { code: string; message: string } };

describe('registerContract', () => {
  let p: TempProject;
  let calls: string[];

  beforeEach(async () => {
    resetFake();
    p = await makeTempProject();
    calls = [];
    const counting: Dispatch = (method, payload) => {
      calls.push(method);
      return p.dispatch(method, payload);
    };
    registerContract(ipcMain as never, counting, trustedIn(() => [ours as never]));
  });
  afterEach(async () => {
    await p.cleanup();
  });

  it('registers every contract method exactly once, as loupe:<method>', () => {
    expect(ipcMain.handleCalls.length).toBe(METHOD_NAMES.length);
    expect(new Set(ipcMain.handleCalls).size).toBe(METHOD_NAMES.length);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `loupe:${m}`).sort());
    expect(ipcMain.handlers.has('loupe:images:list')).toBe(true);
  });

  it('passes a trusted invoke to the real dispatcher', async () => {
    const info = (await ipcMain.invoke(channelOf('app:info'), trusted, {})) as { ok: true; value: { host: string; project: { name: string } } };
    expect(info.ok).toBe(true);
    expect(info.value.host).toBe('electron');
    expect(info.value.project.name).toBe('demo');

    const created = (await ipcMain.invoke(channelOf('classes:create'), trusted, { name: 'scratch' })) as { ok: boolean };
    expect(created.ok).toBe(true);
    const list = (await ipcMain.invoke(channelOf('classes:list'), trusted, {})) as { ok: true; value: { name: string }[] };
    expect(list.value.map((c) => c.name)).toContain('scratch');

    const images = (await ipcMain.invoke(channelOf('images:list'), trusted, { limit: 10 })) as { ok: true; value: { total: number } };
    expect(images.value.total).toBe(2);
  });

  it('returns the dispatcher’s validation errors unchanged', async () => {
    const bad = (await ipcMain.invoke(channelOf('classes:create'), trusted, { name: '' })) as ErrorReply;
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('bad_request');
  });

  const foreign: [string, { senderFrame?: FakeFrame | null; sender?: { id: number } }][] = [
    ['another origin', { senderFrame: { url: 'https://evil.example/index.html', parent: null }, sender: { id: ours.id } }],
    ['a file: page', { senderFrame: { url: 'file:///work/main/dist/renderer/index.html', parent: null }, sender: { id: ours.id } }],
    ['a loupe: image host', { senderFrame: { url: 'loupe://image/1', parent: null }, sender: { id: ours.id } }],
    ['a subframe of the app', { senderFrame: { url: 'loupe://app/index.html', parent: top }, sender: { id: ours.id } }],
    ['a missing senderFrame', { senderFrame: null, sender: { id: ours.id } }],
    ['another web contents', { senderFrame: top, sender: { id: ours.id + 1000 } }],
  ];

  for (const [name, from] of foreign) {
    it(`refuses ${name} with 'forbidden' and never dispatches`, async () => {
      const reply = (await ipcMain.invoke(channelOf('classes:create'), from, { name: 'intruder' })) as ErrorReply;
      expect(reply.ok).toBe(false);
      expect(reply.error.code).toBe('forbidden');
      expect(calls).toEqual([]);
      expect(p.session.project.classes.list().map((c) => c.name)).not.toContain('intruder');
    });
  }

  it('treats a frame that throws on access (destroyed) as untrusted', () => {
    const event = {
      get senderFrame(): FakeFrame {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(isTrustedSender(event as never)).toBe(false);
  });

  it('accepts the app URL with a query or hash, and an upper-case host', () => {
    for (const url of ['loupe://app/index.html?x=1', 'loupe://app/index.html#/images/3', 'loupe://APP/index.html']) {
      expect(isTrustedSender({ senderFrame: { url, parent: null } } as never)).toBe(true);
    }
    for (const url of ['loupe://app.evil/index.html', 'loupe://user@app/index.html', 'loupe://app:99/index.html', 'not a url']) {
      expect(isTrustedSender({ senderFrame: { url, parent: null } } as never)).toBe(false);
    }
  });
});

describe('forwardEvents', () => {
  it('sends core events on loupe:event until unsubscribed, and never to a destroyed page', async () => {
    const p = await makeTempProject();
    try {
      const wc = new FakeWebContents();
      const stop = forwardEvents(p.session, wc as never);
      await p.dispatch('project:info', {});
      p.session.emit({ type: 'project', project: null });
      expect(wc.sent).toEqual([{ channel: EVENT_CHANNEL, args: [{ type: 'project', project: null }] }]);
      wc.destroyed = true;
      p.session.emit({ type: 'project', project: null });
      expect(wc.sent.length).toBe(1);
      wc.destroyed = false;
      stop();
      p.session.emit({ type: 'project', project: null });
      expect(wc.sent.length).toBe(1);
    } finally {
      await p.cleanup();
    }
  });
});
