import { lazy, Suspense, useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';

// The charts library is loaded with the dashboard, not with the workspace.
const EvaluationDashboard = lazy(() => import('./EvaluationDashboard.tsx').then((m) => ({ default: m.EvaluationDashboard })));

const openers = new Set<() => void>();

/** Open the dashboard, as its button does (the shortcut's and the evaluation panel's way in). */
export function openEvaluationDashboard(): void {
  for (const open of openers) open();
}

/** The top bar's "Evaluation" entry: a button that opens the evaluation dashboard. */
export function EvaluationEntry({ project, shortcut }: { project: Res<'project:info'>; shortcut?: string }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const f = () => setOpen(true);
    openers.add(f);
    return () => void openers.delete(f);
  }, []);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="evaluation-open" title={`How a model run does against a reference, in full${shortcut ? ` (${shortcut})` : ''}`}>
        Evaluation
      </button>
      {open && (
        <Suspense fallback={null}>
          <EvaluationDashboard project={project} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
