import { useCallback, useState } from 'react';
import { DEFAULTS } from '../../app/contract/defaults.ts';
import { call } from '../api/client.ts';
import type { PrelabelSettings } from '../components/ModelsPanel.tsx';

export interface Prelabel {
  settings: PrelabelSettings;
  setSettings(s: PrelabelSettings): void;
  /** Pre-label one image now (P), or again with the same settings (Shift+P). */
  image(imageId: number, force: boolean): Promise<void>;
  /** Pre-label the whole project, or the picked images, as a background job. */
  start(force: boolean, imageIds?: number[]): void;
}

/** Pre-labelling from the workspace: the chosen model and thresholds, one image inline, many as a job. */
export function usePrelabel(o: { isOpen(imageId: number): boolean; reload(): Promise<void>; onNotice(m: string | null): void; onMessage(m: string): void }): Prelabel {
  const [settings, setSettings] = useState<PrelabelSettings>({ modelId: null, conf: DEFAULTS.conf, iou: DEFAULTS.iou });

  const image = useCallback(
    async (imageId: number, force: boolean) => {
      if (settings.modelId === null) return;
      o.onNotice('Pre-labelling…');
      try {
        const r = await call('prelabel:image', { imageId, modelId: settings.modelId, conf: settings.conf, iou: settings.iou, force });
        if (!o.isOpen(imageId)) return;
        await o.reload();
        const s = r.summary;
        o.onNotice(
          s.skipped ? 'Already pre-labelled with these settings (Shift+P runs again).' : s.failed.length ? `Pre-label failed: ${s.failed[0].reason}` : `${s.boxes} predictions in ${(s.seconds * 1000).toFixed(0)} ms`,
        );
      } catch (e) {
        o.onNotice(null);
        o.onMessage((e as Error).message);
      }
    },
    [settings, o],
  );

  const start = useCallback(
    (force: boolean, imageIds?: number[]) => {
      if (settings.modelId === null) return;
      call('prelabel:start', { modelId: settings.modelId, conf: settings.conf, iou: settings.iou, force, imageIds }).catch((e: Error) => o.onMessage(e.message));
    },
    [settings, o],
  );

  return { settings, setSettings, image, start };
}
