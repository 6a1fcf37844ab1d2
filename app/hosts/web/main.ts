import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../../domain/errors.ts';
import { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';
import { startWebHost } from './server.ts';

const USAGE = 'usage: loupe-web [--project FILE] [--port N] [--static DIR]';

/** Entry of `npm run web`: open the project, serve the UI, print the URL. */
async function main(argv: string[]): Promise<void> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || i + 1 >= argv.length) {
      console.error(`loupe-web: unexpected argument ${a}\n${USAGE}`);
      process.exit(2);
    }
    args.set(a.slice(2), argv[++i]);
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const staticDir = path.resolve(args.get('static') ?? path.join(here, '../../../dist/renderer'));
  const session = new Session('web');
  const project = args.get('project');
  if (project) {
    const r = await createDispatcher(session)('project:open', { file: project });
    if (!r.ok) {
      console.error(`loupe-web: ${r.error.message}`);
      process.exit(1);
    }
  }
  const host = await startWebHost({ session, staticDir, port: Number(args.get('port') ?? 0) });
  console.log(`Loupe is running at ${host.url}`);
  const stop = async () => {
    await host.close();
    await session.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`loupe-web: ${messageOf(err)}`);
  process.exit(1);
});
