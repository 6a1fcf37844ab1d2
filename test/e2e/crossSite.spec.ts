import { expect, test } from '@playwright/test';
import http from 'node:http';
import { e2eState } from './helpers.ts';

/** Call the browser host's contract the way its own page does (token in the header). */
async function rpc(url: string, method: string, req: unknown) {
  const u = new URL(url);
  const res = await fetch(`${u.origin}/rpc/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': u.searchParams.get('token')! },
    body: JSON.stringify(req),
  });
  return (await res.json()) as { ok: boolean; value: unknown };
}

test('a page on another port of 127.0.0.1 cannot call the contract, even with the cookie in the browser', async ({ page }) => {
  const { url } = e2eState();
  const loupe = new URL(url);
  // The person has Loupe open: the browser holds its cookie.
  await page.goto(url);
  await expect(page.getByRole('button', { name: 'Export…' })).toBeVisible();

  // Any local dev server: another origin on the same machine.
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other</title>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  const port = (evil.address() as { port: number }).port;
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    const name = `cross-site-${Date.now()}`;
    const results = await page.evaluate(
      async ({ origin, name }) => {
        const body = JSON.stringify({ name });
        const out: string[] = [];
        const attempts: RequestInit[] = [
          { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body },
          { method: 'POST', mode: 'no-cors', credentials: 'include', body },
          { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body },
        ];
        for (const init of attempts) {
          try {
            const r = await fetch(`${origin}/rpc/classes:create`, init);
            out.push(`status ${r.status} (${r.type})`);
          } catch (err) {
            out.push(`blocked: ${String(err)}`);
          }
        }
        // A form post needs no script's permission at all.
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = `${origin}/rpc/classes:create`;
        form.enctype = 'text/plain';
        const input = document.createElement('input');
        input.name = `{"name":"${name}-form","x":"`;
        input.value = '"}';
        form.append(input);
        document.body.append(form);
        return out;
      },
      { origin: loupe.origin, name },
    );
    expect(results).toHaveLength(3);
    await Promise.all([page.waitForEvent('load').catch(() => null), page.evaluate(() => document.forms[0].submit())]);

    const classes = (await rpc(url, 'classes:list', {})) as { ok: boolean; value: { name: string }[] };
    expect(classes.ok).toBe(true);
    expect(classes.value.map((c) => c.name).filter((n) => n.startsWith(name))).toEqual([]);
  } finally {
    await new Promise<void>((r) => evil.close(() => r()));
  }

  // The host's own page still works after all this.
  await page.goto(url);
  const info = await rpc(url, 'app:info', {});
  expect(info.ok).toBe(true);
});
