/**
 * Export benchmark: COCO and YOLO export of a 100,000-image, 1,000,000-box project.
 *
 *   npm run bench:export      # or: npx tsx bench/export.ts
 *
 * Prints one JSON object on stdout. Each export runs in its own fresh child
 * process with `images: 'none'` (labels, data.yaml and COCO JSON only; the
 * image files of the generated project do not exist), so the figures are the
 * cost of the label side: selecting final labels, the stratified split, and
 * writing the files. Peak RSS is the child's own high-water mark
 * (process.resourceUsage().maxRSS), plus an RSS sample every ~10 ms.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELLED, labelledProject } from './labelledProject.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = LABELLED;
const GOALS = { cocoSeconds: 10, peakRssMB: 400 };

const log = (m: string) => process.stderr.write(`[bench:export] ${m}\n`);

/** Child: one export of the project, timed, with its peak RSS. */
async function childExport(file: string, format: 'coco' | 'yolo'): Promise<void> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const { Project } = await import('../app/store/Project.ts');
  const { prepareExport, runExport } = await import('../app/services/export.ts');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-export-')), 'ds');
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const project = Project.open(file, { annotator: 'bench' });
  const summary = await runExport(project, prepareExport(project, { format, out, images: 'none', split: [0.8, 0.2], seed: 0 }));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  project.close();
  let bytes = 0;
  if (format === 'coco') for (const f of fs.readdirSync(path.join(out, 'annotations'))) bytes += fs.statSync(path.join(out, 'annotations', f)).size;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      peakRssMB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      rssBeforeMB: rssBefore / 2 ** 20,
      images: summary.images,
      boxes: summary.boxes,
      valImages: summary.splits.val?.images,
      jsonMB: bytes / 2 ** 20,
    })}\n`,
  );
}

function runChild(file: string, format: string): Promise<Record<string, number>> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [fileURLToPath(import.meta.url), `--child=${format}`, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${format} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

async function main(): Promise<void> {
  const childArg = process.argv.find((a) => a.startsWith('--child='));
  if (childArg) return childExport(process.argv[process.argv.indexOf(childArg) + 1], childArg.slice(8) as 'coco' | 'yolo');
  const file = await labelledProject();
  log('COCO export…');
  const coco = await runChild(file, 'coco');
  log('YOLO export…');
  const yolo = await runChild(file, 'yolo');
  const peak = (r: Record<string, number>) => Math.max(r.peakRssMB, r.maxRssMB);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'export',
      project: { ...SIZE, file: path.relative(ROOT, file) },
      imagesMode: 'none',
      coco,
      yolo,
      goals: GOALS,
      pass: {
        cocoSeconds: coco.seconds <= GOALS.cocoSeconds,
        cocoPeakRss: peak(coco) <= GOALS.peakRssMB,
        yoloPeakRss: peak(yolo) <= GOALS.peakRssMB,
      },
    })}\n`,
  );
}

await main();
