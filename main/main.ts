// Entry of the Electron main process (bundled to dist/main/main.cjs). All wiring
// lives in app.ts so it can be tested with a stand-in for the electron module.
import { startApp } from './app.ts';

startApp({ argv: process.argv, env: process.env }).ready.catch((err: unknown) => {
  console.error(`loupe: ${err instanceof Error ? err.message : String(err)}`);
});
