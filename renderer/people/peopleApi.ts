import type { MethodName } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

/** A person's role in the project: an annotator sees their own work; the QA lead sees everyone's and assigns. */
export type Role = 'annotator' | 'lead';

/** Who is working: the person every box, edit and done mark is recorded as, and their role. */
export interface Identity {
  annotator: { id: number; name: string };
  role: Role;
}

/** What an assignment did, person by person. */
export interface AssignSummary {
  images: number;
  seed: number;
  perPerson: { name: string; assigned: number; added: number; kept: number }[];
}

/** The request of `assign:run`, as the contract agrees it. */
export interface AssignRequest {
  annotators: string[];
  overlap: number;
  fraction?: number;
  where?: { key: string; value: string }[];
  flag?: string;
  runId?: number;
  seed?: number;
}

/** A human annotator as the people lists show them (assigned is absent before the project knows assignments). */
export interface Person {
  id: number;
  name: string;
  kind: 'human' | 'model' | 'consensus';
  imagesDone: number;
  boxes: number;
  assigned?: number;
}

// The session and assignment methods go through the same contract client; the
// cast keeps this module building against the agreed names whatever the
// installed contract holds.
const loose = <T>(method: string, req: unknown): Promise<T> => call(method as MethodName, req as never) as Promise<T>;

/** Become `name` (created if new) in `role`; the core records it as the project's last identity. */
export const identify = (name: string, role?: Role) => loose<Identity>('session:identify', role ? { name, role } : { name });
/** Who the core records work as now. */
export const whoami = () => loose<Identity>('session:whoami', {});
/** Assign images to people (lead only). */
export const assignRun = (req: AssignRequest) => loose<AssignSummary>('assign:run', req);
/** The project's people with their counts; humans only. */
export async function listPeople(): Promise<Person[]> {
  const all = (await call('annotators:list', {})) as Person[];
  return all.filter((a) => a.kind === 'human');
}

/** A remembered identity as the core may spell it: a name, or an object with a name or an annotator. */
function nameOf(v: unknown): string | null {
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object') {
    const o = v as { name?: unknown; annotator?: { name?: unknown } };
    if (typeof o.name === 'string') return o.name;
    if (typeof o.annotator?.name === 'string') return o.annotator.name;
  }
  return null;
}

/** The name (and role, when kept) remembered as the last one to work on this project (the project's `lastIdentity`), if the project keeps one. */
export async function lastIdentity(): Promise<{ name: string; role: Role | null } | null> {
  const n = await lastIdentityName();
  if (!n) return null;
  return { name: n, role: lastRole };
}
let lastRole: Role | null = null;

/** The name remembered as the last one to work on this project (the project's `lastIdentity`), if the project keeps one. */
export async function lastIdentityName(): Promise<string | null> {
  lastRole = null;
  try {
    const info = (await call('project:info', {})) as { lastIdentity?: { role?: unknown } | null };
    const n = nameOf(info.lastIdentity);
    if (info.lastIdentity && (info.lastIdentity.role === 'lead' || info.lastIdentity.role === 'annotator')) lastRole = info.lastIdentity.role;
    if (n) return n;
  } catch {
    // No project info: nothing remembered.
  }
  try {
    return nameOf((await call('settings:get', { key: 'lastIdentity' })).value);
  } catch {
    return null;
  }
}

/** The role in `project:info` (absent before the core reports one: an annotator). */
export const roleOf = (project: { role?: unknown }): Role => (project.role === 'lead' ? 'lead' : 'annotator');

export const ROLE_LABEL: Record<Role, string> = { annotator: 'Annotator', lead: 'QA lead' };
