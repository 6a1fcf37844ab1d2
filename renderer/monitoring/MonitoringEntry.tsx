import './monitoring.css';
import { lazy, Suspense, useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';

// The charts library is loaded with the dashboard, not with the workspace.
const MonitoringDashboard = lazy(() => import('./MonitoringDashboard.tsx').then((m) => ({ default: m.MonitoringDashboard })));

const openers = new Set<() => void>();

/** Open the monitoring dashboard, as its button does (the shortcut's way in). */
export function openMonitoringDashboard(): void {
  for (const open of openers) open();
}

/** The top bar's "Monitoring" entry: a button that opens the timeline of the model over days and slices. */
export function MonitoringEntry({ project, shortcut }: { project: Res<'project:info'>; shortcut?: string }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const f = () => setOpen(true);
    openers.add(f);
    return () => void openers.delete(f);
  }, []);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="monitoring-open" title={`The model over time per slice, and the days it changed${shortcut ? ` (${shortcut})` : ''}`}>
        Monitoring
      </button>
      {open && (
        <Suspense fallback={null}>
          <MonitoringDashboard project={project} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
