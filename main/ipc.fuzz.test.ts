// A sample of malformed payloads through the Electron host's IPC handlers (the
// same dispatcher, behind the sender check): typed errors, nothing stored; and
// well-formed ones from any frame but the app's top frame are refused unrun.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../app/contract/methods.ts';
import { snapshot } from '../test/unit/fixtures.ts';
import { malformedJson, prototypeState } from '../test/unit/malformed.ts';
import { channelOf, registerContract, trustedIn } from './ipc.ts';
import { FakeWebContents, ipcMain, resetFake, type FakeFrame } from './testing/fakeElectron.ts';
import { makeTempProject, type TempProject } from './testing/tempProject.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

const ours = new FakeWebContents();
const top: FakeFrame = { url: 'loupe://app/index.html', parent: null };

let p: TempProject;
beforeAll(async () => {
  resetFake();
  p = await makeTempProject();
  registerContract(ipcMain as never, p.dispatch, trustedIn(() => [ours as never]));
});
afterAll(async () => {
  await p.cleanup();
});

describe('IPC fuzz', () => {
  it('answers malformed payloads to every method with bad_request, storing and polluting nothing', async () => {
    const before = snapshot(p.session.project);
    const proto = prototypeState();
    for (const method of METHOD_NAMES) {
      await fc.assert(
        fc.asyncProperty(malformedJson(method), async (text) => {
          const r = await ipcMain.invoke(channelOf(method), { senderFrame: top, sender: { id: ours.id } }, JSON.parse(text));
          expect(r).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining(method) } });
        }),
        { numRuns: 8, seed: 20261207 },
      );
    }
    expect(prototypeState()).toBe(proto);
    expect(snapshot(p.session.project)).toBe(before);
  });

  it('refuses a well-formed write from any other frame or web contents, without running it', async () => {
    const before = snapshot(p.session.project);
    const frames = fc.oneof(
      fc.record({ url: fc.webUrl(), parent: fc.constant(null) }),
      fc.record({ url: fc.constantFrom('loupe://app/index.html', 'loupe://image/1', 'file:///index.html', 'loupe://app.evil/index.html', 'about:blank', ''), parent: fc.constant(top) }),
      fc.record({ url: fc.string(), parent: fc.constant(null) }).filter((f) => !/^loupe:\/\/app\//i.test(f.url)),
    );
    await fc.assert(
      fc.asyncProperty(frames, fc.boolean(), async (frame, ourContents) => {
        const r = await ipcMain.invoke(channelOf('classes:create'), { senderFrame: frame, sender: { id: ourContents ? ours.id : ours.id + 1000 } }, { name: 'intruder' });
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }),
      { numRuns: 100, seed: 20261207 },
    );
    // The app's own top frame, but from a web contents that is not one of our windows.
    const stranger = await ipcMain.invoke(channelOf('classes:create'), { senderFrame: top, sender: { id: ours.id + 1000 } }, { name: 'intruder' });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(snapshot(p.session.project)).toBe(before);
  });
});
