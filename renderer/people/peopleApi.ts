import type { Req, Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

/** Who is working: the person every box, edit and done mark is recorded as, and their role. */
export type Identity = Res<'session:whoami'>;
/** A person's role in the project: an annotator sees their own work; the QA lead sees everyone's and assigns. */
export type Role = Identity['role'];
/** What an assignment did, person by person. */
export type AssignSummary = Res<'assign:run'>;
/** The request of `assign:run`. */
export type AssignRequest = Req<'assign:run'>;
/** A person as the people lists show them, with what they were assigned and have done. */
export type Person = Omit<Res<'annotators:list'>[number], 'assigned'> & { assigned?: number };

/** Become `name` (created if new) in `role`; the core records it as the project's last identity. */
export const identify = (name: string, role?: Role) => call('session:identify', role ? { name, role } : { name });
/** Who the core records work as now. */
export const whoami = () => call('session:whoami', {});
/** Assign images to people (lead only). */
export const assignRun = (req: AssignRequest) => call('assign:run', req);
/** The project's people with their counts; humans only. */
export async function listPeople(): Promise<Person[]> {
  const all = await call('annotators:list', {});
  return all.filter((a) => a.kind === 'human');
}

/** Who last identified on this project on this machine (the project's `lastIdentity`), if anyone has. */
export async function lastIdentity(): Promise<{ name: string; role: Role } | null> {
  try {
    return (await call('project:info', {})).lastIdentity ?? null;
  } catch {
    return null;
  }
}

/** The role in `project:info` (absent before the core reports one: an annotator). */
export const roleOf = (project: { role?: unknown }): Role => (project.role === 'lead' ? 'lead' : 'annotator');

export const ROLE_LABEL: Record<Role, string> = { annotator: 'Annotator', lead: 'QA lead' };
