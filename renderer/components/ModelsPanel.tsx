import { useCallback, useEffect, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

type ModelView = Res<'models:list'>[number];
type ClassDef = Res<'classes:list'>[number];

/** Detection settings shared by the hotkey and the batch job. */
export interface PrelabelSettings {
  modelId: number | null;
  conf: number;
  iou: number;
}

interface Props {
  classes: ClassDef[];
  version: number;
  settings: PrelabelSettings;
  onSettings(s: PrelabelSettings): void;
  onPrelabelImage(force: boolean): void;
  onPrelabelAll(force: boolean): void;
  /** Images picked in the list (Ctrl/Cmd+click). */
  pickedCount: number;
  onPrelabelPicked(force: boolean): void;
  canPrelabelImage: boolean;
  onChanged(): void;
  onError(msg: string): void;
}

/** Models in the project: add one, see its classes, latency and mapping, and pre-label with it. */
export function ModelsPanel(p: Props) {
  const [models, setModels] = useState<ModelView[]>([]);
  const [file, setFile] = useState('');
  const [classesFile, setClassesFile] = useState('');
  const [createClasses, setCreateClasses] = useState(false);
  const [busy, setBusy] = useState(false);
  const { onSettings, settings } = p;

  const refresh = useCallback(async () => {
    const list = await call('models:list', {});
    setModels(list);
    if (list.length && (settings.modelId === null || !list.some((m) => m.id === settings.modelId))) {
      onSettings({ ...settings, modelId: list[list.length - 1].id });
    }
  }, [settings, onSettings]);

  useEffect(() => {
    refresh().catch((e: Error) => p.onError(e.message));
  }, [p.version]);

  const add = async () => {
    setBusy(true);
    try {
      const m = await call('models:add', { file, createClasses, classesFile: classesFile.trim() || undefined });
      setFile('');
      setClassesFile('');
      p.onSettings({ ...settings, modelId: m.id });
      await refresh();
      p.onChanged();
    } catch (e) {
      p.onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const remap = async (m: ModelView, index: number, classId: number | null) => {
    const classMap = m.classMap.slice();
    classMap[index] = classId;
    try {
      await call('models:map', { id: m.id, classMap });
      await refresh();
    } catch (e) {
      p.onError((e as Error).message);
    }
  };

  const model = models.find((m) => m.id === settings.modelId);
  return (
    <section className="panel models" data-testid="models-panel">
      <h3>Model</h3>
      {models.length > 0 ? (
        <>
          <select value={settings.modelId ?? ''} onChange={(e) => p.onSettings({ ...settings, modelId: Number(e.target.value) })} aria-label="Model">
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
          {model && (
            <div className="model-info" data-testid="model-info">
              <div className="sub">
                {model.inputSize.w}×{model.inputSize.h} · {model.layout} · {model.dtype}
                {model.latency && ` · ${model.latency.p50Ms.toFixed(1)} ms p50, ${model.latency.p95Ms.toFixed(1)} ms p95`}
              </div>
              <table className="class-map">
                <tbody>
                  {model.classes.map((name, i) => (
                    <tr key={i}>
                      <td>{name}</td>
                      <td>
                        <select
                          value={model.classMap[i] ?? ''}
                          onChange={(e) => void remap(model, i, e.target.value === '' ? null : Number(e.target.value))}
                          aria-label={`Project class for ${name}`}
                        >
                          <option value="">— ignore —</option>
                          {p.classes.map((c) => (
                            <option key={c.id} value={c.id}>
                              {c.name}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="params">
            <label>
              conf
              <input
                type="number"
                min={0}
                max={1}
                step={0.05}
                value={settings.conf}
                onChange={(e) => p.onSettings({ ...settings, conf: Number(e.target.value) })}
              />
            </label>
            <label>
              IoU
              <input
                type="number"
                min={0}
                max={1}
                step={0.05}
                value={settings.iou}
                onChange={(e) => p.onSettings({ ...settings, iou: Number(e.target.value) })}
              />
            </label>
          </div>
          <div className="actions">
            <button type="button" disabled={!p.canPrelabelImage} onClick={() => p.onPrelabelImage(false)} title="Pre-label the open image (P; Shift+P runs again)" data-testid="prelabel-image">
              This image
            </button>
            <button
              type="button"
              onClick={(e) => p.onPrelabelAll(e.shiftKey)}
              title="Pre-label every image as a background job; done images are skipped (Shift+click runs them again)"
              data-testid="prelabel-all"
            >
              All images
            </button>
            {p.pickedCount > 0 && (
              <button type="button" onClick={(e) => p.onPrelabelPicked(e.shiftKey)} title="Pre-label the images picked with Ctrl+click" data-testid="prelabel-picked">
                {p.pickedCount} picked
              </button>
            )}
          </div>
        </>
      ) : (
        <p className="hint">No model yet. Add an ONNX detection export (YOLOv5/8/10/11/26).</p>
      )}
      <form
        className="add-model"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/model.onnx" aria-label="Model file" />
        <input
          value={classesFile}
          onChange={(e) => setClassesFile(e.target.value)}
          placeholder="classes file (if the model has no names)"
          aria-label="Classes file"
          title="One class name per line, or a data.yaml with names; used when the model has no names metadata"
        />
        <button type="submit" disabled={!file || busy}>
          {busy ? 'Checking…' : 'Add'}
        </button>
        <label className="sub">
          <input type="checkbox" checked={createClasses} onChange={(e) => setCreateClasses(e.target.checked)} /> create missing classes
        </label>
      </form>
    </section>
  );
}
