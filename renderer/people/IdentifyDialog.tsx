import { useEffect, useRef, useState } from 'react';
import { Modal } from '../components/Modal.tsx';
import { identify, listPeople, ROLE_LABEL, type Identity, type Person, type Role } from './peopleApi.ts';
import { checkName, personCounts } from './names.ts';
import './people.css';

interface Props {
  /** The name to preselect: the project's remembered last identity, else the current person. */
  preselect: string | null;
  role: Role;
  onIdentified(id: Identity): void;
  /** Escape or × : keep working as the current person. */
  onClose(): void;
}

const NEW = '\u0000new';

/** Who is working: pick one of the project's people or type a new name, choose a role; Enter confirms. */
export function IdentifyDialog({ preselect, role: initialRole, onIdentified, onClose }: Props) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [choice, setChoice] = useState<string>(NEW);
  const [newName, setNewName] = useState('');
  const [role, setRole] = useState<Role>(initialRole);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const firstRadio = useRef<HTMLInputElement | null>(null);
  const nameInput = useRef<HTMLInputElement | null>(null);

  useEffect(() => {
    listPeople().then(
      (ps) => {
        setPeople(ps);
        const hit = preselect ? ps.find((p) => p.name === preselect) : undefined;
        setChoice(hit ? String(hit.id) : NEW);
        if (!hit && preselect && ps.length === 0) setNewName(preselect);
      },
      (e: Error) => {
        setPeople([]);
        setError(e.message);
      },
    );
  }, [preselect]);

  // Focus goes to the chosen row once the list is there (or to the name field for a new person).
  useEffect(() => {
    if (!people) return;
    const el = choice === NEW ? nameInput.current : document.querySelector<HTMLInputElement>(`[data-testid="identify-person-${CSS.escape(people.find((p) => String(p.id) === choice)?.name ?? '')}"]`);
    (el ?? firstRadio.current)?.focus();
    // Only on first showing of the list.
  }, [people]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const submit = async () => {
    setError(null);
    let name: string;
    try {
      name = choice === NEW ? checkName(newName) : people!.find((p) => String(p.id) === choice)!.name;
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    setBusy(true);
    try {
      onIdentified(await identify(name, role));
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  return (
    <Modal title="Who is working?" testId="identify-dialog" onClose={onClose}>
      <form
        className="identify"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        onKeyDown={(e) => {
          // Enter on a radio button confirms too (browsers do not submit from one).
          if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type === 'radio') {
            e.preventDefault();
            void submit();
          }
        }}
      >
        <p className="hint">Every box, edit and done mark you make is recorded under this name.</p>
        <fieldset className="people-list" data-testid="identify-people">
          <legend>Person</legend>
          {people === null && <p className="hint">Loading the project's people…</p>}
          {people?.map((p, i) => (
            <label key={p.id} className={`person-row${choice === String(p.id) ? ' on' : ''}`}>
              <input
                ref={i === 0 ? firstRadio : undefined}
                type="radio"
                name="identify-person"
                value={p.id}
                checked={choice === String(p.id)}
                onChange={() => setChoice(String(p.id))}
                data-testid={`identify-person-${p.name}`}
              />
              <span className="name">{p.name}</span>
              <span className="muted counts">{personCounts(p)}</span>
            </label>
          ))}
          <label className={`person-row${choice === NEW ? ' on' : ''}`}>
            <input type="radio" name="identify-person" value={NEW} checked={choice === NEW} onChange={() => setChoice(NEW)} data-testid="identify-person-new" />
            <span className="name">New person</span>
            <input
              ref={nameInput}
              value={newName}
              onChange={(e) => {
                setNewName(e.target.value);
                setChoice(NEW);
                setError(null);
              }}
              onFocus={() => setChoice(NEW)}
              placeholder="your name"
              aria-label="New person's name"
              maxLength={80}
              data-testid="identify-name"
            />
          </label>
        </fieldset>
        <fieldset className="role-choice" data-testid="identify-role">
          <legend>Role</legend>
          {(['annotator', 'lead'] as const).map((r) => (
            <label key={r}>
              <input type="radio" name="identify-role" value={r} checked={role === r} onChange={() => setRole(r)} data-testid={`identify-role-${r}`} />
              {ROLE_LABEL[r]}
              <span className="muted">{r === 'annotator' ? ' — your own boxes and the model’s' : ' — everyone’s work, assigns images'}</span>
            </label>
          ))}
        </fieldset>
        <div className="dialog-actions">
          <button type="submit" className="on" disabled={busy || people === null} data-testid="identify-confirm">
            {busy ? 'Starting…' : 'Start working'}
          </button>
          <span className="hint">Enter confirms · Escape keeps the current person</span>
        </div>
        {error && (
          <p className="dialog-error" role="alert" data-testid="identify-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}
