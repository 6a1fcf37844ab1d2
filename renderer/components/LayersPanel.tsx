interface Props {
  showLabels: boolean;
  onShowLabels(v: boolean): void;
  otherAuthors: { id: number; name: string }[];
  hiddenAuthors: ReadonlySet<number>;
  onHiddenAuthors(s: ReadonlySet<number>): void;
  labelsKey: string;
  /** Each person's colour on the canvas (the lead's view), by annotator id; null when boxes keep their class colours. */
  colors?: ReadonlyMap<number, string> | null;
}

/** Which layers the canvas shows: box labels, and each other person's boxes (with their colour as the legend, for the lead). */
export function LayersPanel(p: Props) {
  return (
    <div className="layers-panel" data-testid="layers">
      <label title={`Box labels${p.labelsKey}`}>
        <input type="checkbox" checked={p.showLabels} onChange={(e) => p.onShowLabels(e.target.checked)} data-testid="show-labels" />
        labels
      </label>
      {p.otherAuthors.map((a) => (
        <label key={a.id} title={`${a.name}'s boxes`}>
          <input
            type="checkbox"
            checked={!p.hiddenAuthors.has(a.id)}
            data-testid={`show-author-${a.name}`}
            onChange={(e) => {
              const s = new Set(p.hiddenAuthors);
              if (e.target.checked) s.delete(a.id);
              else s.add(a.id);
              p.onHiddenAuthors(s);
            }}
          />
          {p.colors?.get(a.id) && <span className="swatch person-swatch" style={{ background: p.colors.get(a.id) }} data-testid={`legend-${a.name}`} aria-hidden="true" />}
          {a.name}
        </label>
      ))}
    </div>
  );
}
