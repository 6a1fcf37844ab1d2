import { useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

type Failures = Res<'images:failures'>;

/** Files an import could not take, each with its reason. */
export function FailuresPanel({ version, onClose }: { version: number; onClose(): void }) {
  const [data, setData] = useState<Failures | null>(null);
  useEffect(() => {
    let live = true;
    call('images:failures', { offset: 0, limit: 500 }).then((r) => live && setData(r));
    return () => {
      live = false;
    };
  }, [version]);
  return (
    <div className="failures" data-testid="failures">
      <header>
        <h3>Files not imported ({data?.total ?? '…'})</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <table>
        <tbody>
          {data?.items.map((f) => (
            <tr key={`${f.root}/${f.path}`}>
              <td className="path">{f.path}</td>
              <td className="reason">{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.total > data.items.length && <p className="hint">and {data.total - data.items.length} more</p>}
    </div>
  );
}
