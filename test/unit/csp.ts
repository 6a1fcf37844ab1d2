// Content-Security-Policy checks shared by the Electron and browser host tests.

/** A policy as directive → sources. */
export function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

/**
 * Why a policy is not strict, or [] when it is: every fetch directive falls back
 * to 'self'; no remote origin, wildcard or ws/http(s) scheme anywhere; no eval;
 * scripts never inline; plugins, <base>, framing and form posts off.
 */
export function cspProblems(policy: string, allowedSchemes: readonly string[]): string[] {
  const csp = parseCsp(policy);
  const problems: string[] = [];
  if (csp.get('default-src')?.join(' ') !== "'self'") problems.push("default-src is not 'self'");
  for (const [name, sources] of csp) {
    for (const s of sources) {
      const keyword = /^'[a-z-]+'$/.test(s);
      if (keyword && s !== "'self'" && s !== "'none'" && !(s === "'unsafe-inline'" && name === 'style-src')) problems.push(`${name} allows ${s}`);
      if (!keyword && !allowedSchemes.includes(s)) problems.push(`${name} allows ${s}`);
    }
  }
  for (const [name, want] of [
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['frame-ancestors', "'none'"],
    ['form-action', "'none'"],
  ]) {
    if (csp.get(name)?.join(' ') !== want) problems.push(`${name} is not ${want}`);
  }
  return problems;
}
