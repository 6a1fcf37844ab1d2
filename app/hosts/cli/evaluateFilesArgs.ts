/**
 * `loupe evaluate --gt FILE --dt FILE [--json]` and nothing else: the files, or null for
 * any other command line (which the full CLI parses). Each flag once, as separate words.
 */
export function filesEvaluateArgs(argv: string[]): { gt: string; dt: string; json: boolean } | null {
  const args = argv.slice(2);
  if (args[0] !== 'evaluate') return null;
  let gt: string | undefined;
  let dt: string | undefined;
  let json = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--json' && !json) json = true;
    else if ((a === '--gt' || a === '--dt') && i + 1 < args.length && !args[i + 1].startsWith('-')) {
      if ((a === '--gt' ? gt : dt) !== undefined) return null;
      if (a === '--gt') gt = args[++i];
      else dt = args[++i];
    } else return null;
  }
  return gt !== undefined && dt !== undefined ? { gt, dt, json } : null;
}
