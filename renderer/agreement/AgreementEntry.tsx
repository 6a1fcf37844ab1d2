import './agreement.css';
import { lazy, Suspense, useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';

// The charts library is loaded with the dashboard, not with the workspace.
const AgreementDashboard = lazy(() => import('./AgreementDashboard.tsx').then((m) => ({ default: m.AgreementDashboard })));

/** The role `project:info` reports (a lead, unless the core says otherwise). */
export function roleOf(project: Res<'project:info'>): 'annotator' | 'lead' {
  return (project as { role?: string }).role === 'annotator' ? 'annotator' : 'lead';
}

const openers = new Set<() => void>();

/** Open the dashboard, as its button does (the shortcut's way in). */
export function openAgreementDashboard(): void {
  for (const open of openers) open();
}

/** The top bar's "Agreement" entry for the lead: a button that opens the dashboard. */
export function AgreementEntry({ project }: { project: Res<'project:info'> }) {
  const [open, setOpen] = useState(false);
  const lead = roleOf(project) === 'lead';
  useEffect(() => {
    if (!lead) return;
    const f = () => setOpen(true);
    openers.add(f);
    return () => void openers.delete(f);
  }, [lead]);
  if (!lead) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="agreement-open" title="Agreement between people, and the disagreement review">
        Agreement
      </button>
      {open && (
        <Suspense fallback={null}>
          <AgreementDashboard project={project} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
