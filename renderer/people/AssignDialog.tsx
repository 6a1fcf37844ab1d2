import { useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import { Modal } from '../components/Modal.tsx';
import { assignRequest, type AssignForm } from './assignForm.ts';
import { assignRun, listPeople, type AssignSummary, type Person } from './peopleApi.ts';
import './people.css';

type FilterKind = AssignForm['filter']['kind'];

/** The lead's assignment: who, how many people per image, which images, which seed; then what each person got. */
export function AssignDialog({ onClose, onAssigned }: { onClose(): void; onAssigned(): void }) {
  const [people, setPeople] = useState<Person[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [added, setAdded] = useState<string[]>([]);
  const [newName, setNewName] = useState('');
  const [overlap, setOverlap] = useState('2');
  const [fraction, setFraction] = useState('');
  const [filterKind, setFilterKind] = useState<FilterKind>('none');
  const [filterText, setFilterText] = useState('');
  const [runId, setRunId] = useState<number | null>(null);
  const [runs, setRuns] = useState<Res<'runs:list'>>([]);
  const [seed, setSeed] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<AssignSummary | null>(null);

  const load = () => listPeople().then(setPeople, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    call('runs:list', {}).then((rs) => {
      setRuns(rs);
      if (rs[0]) setRunId(rs[0].id);
    }, () => {});
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const toggle = (name: string, on: boolean) => setChosen((c) => (on ? [...c.filter((n) => n !== name), name] : c.filter((n) => n !== name)));
  const addNew = () => {
    const name = newName.trim();
    if (!name) return setError('Type the new person’s name, then Add.');
    if (name.length > 64) return setError(`A name is at most 64 characters; this one has ${name.length}.`);
    if (!people.some((p) => p.name === name) && !added.includes(name)) setAdded((a) => [...a, name]);
    toggle(name, true);
    setNewName('');
    setError(null);
  };

  const submit = async () => {
    setError(null);
    setSummary(null);
    let req;
    try {
      const filter: AssignForm['filter'] =
        filterKind === 'none' ? { kind: 'none' } : filterKind === 'run' ? { kind: 'run', runId } : { kind: filterKind, text: filterText };
      req = assignRequest({ people: chosen, overlap, fraction, filter, seed });
    } catch (e) {
      return setError((e as Error).message);
    }
    setBusy(true);
    try {
      const s = await assignRun(req);
      setSummary(s);
      setAdded([]);
      await load();
      onAssigned();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const everyone = [...people.map((p) => ({ name: p.name, note: `${p.assigned ?? 0} assigned · ${p.imagesDone} done` })), ...added.map((name) => ({ name, note: 'new' }))];
  return (
    <Modal title="Assign images" testId="assign-dialog" onClose={onClose}>
      <form
        className="form-grid assign-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <span className="label">People</span>
        <div className="assign-people" role="group" aria-label="People">
          {everyone.length === 0 && <span className="hint">No one yet: add people by name below.</span>}
          {everyone.map((p, i) => (
            <label key={p.name} className="check">
              <input
                type="checkbox"
                autoFocus={i === 0}
                checked={chosen.includes(p.name)}
                onChange={(e) => toggle(p.name, e.target.checked)}
                data-testid={`assign-person-${p.name}`}
              />
              {p.name} <span className="muted">{p.note}</span>
            </label>
          ))}
        </div>
        <label htmlFor="assign-new">Add person</label>
        <span className="row">
          <input
            id="assign-new"
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addNew();
              }
            }}
            placeholder="name (Enter adds)"
            data-testid="assign-new-name"
          />
          <button type="button" onClick={addNew} data-testid="assign-add">
            Add
          </button>
        </span>
        <label htmlFor="assign-overlap">Overlap</label>
        <span className="row">
          <input id="assign-overlap" className="short" inputMode="numeric" value={overlap} onChange={(e) => setOverlap(e.target.value)} data-testid="assign-overlap" />
          <span className="hint">people per image</span>
        </span>
        <label htmlFor="assign-fraction">Fraction</label>
        <span className="row">
          <input id="assign-fraction" className="short" inputMode="decimal" value={fraction} onChange={(e) => setFraction(e.target.value)} placeholder="all" data-testid="assign-fraction" />
          <span className="hint">share of images given to that many people; the rest to one (empty: all)</span>
        </span>
        <label htmlFor="assign-filter">Images</label>
        <span className="row">
          <select id="assign-filter" value={filterKind} onChange={(e) => setFilterKind(e.target.value as FilterKind)} data-testid="assign-filter">
            <option value="none">every image</option>
            <option value="where">with metadata key=value</option>
            <option value="flag">flagged for a reason</option>
            <option value="run">pre-labelled by a model run</option>
          </select>
          {(filterKind === 'where' || filterKind === 'flag') && (
            <input
              value={filterText}
              onChange={(e) => setFilterText(e.target.value)}
              placeholder={filterKind === 'where' ? 'camera=line2' : 'flag reason'}
              aria-label={filterKind === 'where' ? 'Metadata key=value' : 'Flag reason'}
              data-testid="assign-filter-text"
            />
          )}
          {filterKind === 'run' && (
            <select aria-label="Model run" value={runId ?? ''} onChange={(e) => setRunId(e.target.value ? Number(e.target.value) : null)} data-testid="assign-run">
              {runs.length === 0 && <option value="">no model runs yet</option>}
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  #{r.id} {r.name} ({r.boxes} boxes)
                </option>
              ))}
            </select>
          )}
        </span>
        <label htmlFor="assign-seed">Seed</label>
        <span className="row">
          <input id="assign-seed" className="short" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="random" data-testid="assign-seed" />
          <span className="hint">the same seed gives the same assignment</span>
        </span>
        <span />
        <span className="row">
          <button type="submit" className="on" disabled={busy} data-testid="assign-run-button">
            {busy ? 'Assigning…' : 'Assign'}
          </button>
          <span className="hint">{chosen.length} chosen · work already started or done is kept</span>
        </span>
      </form>
      {error && (
        <p className="dialog-error" role="alert" data-testid="assign-error">
          {error}
        </p>
      )}
      {summary && (
        <section className="summary" data-testid="assign-summary">
          <p>
            Assigned <strong data-testid="assign-images">{summary.images}</strong> images (seed {summary.seed}).
          </p>
          <table>
            <thead>
              <tr>
                <th>person</th>
                <th>assigned</th>
                <th>added now</th>
                <th>kept</th>
              </tr>
            </thead>
            <tbody>
              {summary.perPerson.map((p) => (
                <tr key={p.name} data-testid={`assign-result-${p.name}`}>
                  <td>{p.name}</td>
                  <td className="num">{p.assigned}</td>
                  <td className="num">{p.added}</td>
                  <td className="num">{p.kept}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Modal>
  );
}
