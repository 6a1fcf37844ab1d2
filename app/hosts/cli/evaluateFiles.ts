import { LoupeError } from '../../domain/errors.ts';
import { readCocoEvalFiles } from '../../io/cocoEvalFiles.ts';
import { cocoEvaluate } from '../../metrics/cocoEval.ts';
import { CliError, printJson, println, type CliStreams } from './context.ts';

/** The twelve numbers' keys in `--json`, in pycocotools' order. */
export const STAT_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

/** pycocotools' summary lines: (AP or AR, IoU, area, maxDets) for each of the twelve numbers. */
const LINES: readonly [ap: boolean, iou: string, area: string, maxDets: number][] = [
  [true, '0.50:0.95', 'all', 100],
  [true, '0.50', 'all', 100],
  [true, '0.75', 'all', 100],
  [true, '0.50:0.95', 'small', 100],
  [true, '0.50:0.95', 'medium', 100],
  [true, '0.50:0.95', 'large', 100],
  [false, '0.50:0.95', 'all', 1],
  [false, '0.50:0.95', 'all', 10],
  [false, '0.50:0.95', 'all', 100],
  [false, '0.50:0.95', 'small', 100],
  [false, '0.50:0.95', 'medium', 100],
  [false, '0.50:0.95', 'large', 100],
];

/** One summary line exactly as pycocotools' `COCOeval.summarize()` prints it. */
export function summaryLine(i: number, value: number): string {
  const [ap, iou, area, maxDets] = LINES[i];
  const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
  return ` ${title} ${ap ? '(AP)' : '(AR)'} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${value.toFixed(3)}`;
}

/**
 * `loupe evaluate --gt instances.json --dt results.json`: no project, the twelve COCO
 * numbers of the detections against the ground truth, as the usual pycocotools script
 * prints them (or, with --json, an object keyed AP … ARl, unrounded).
 */
export async function evaluateFiles(out: CliStreams, gtFile: string, dtFile: string, json: boolean): Promise<void> {
  let input;
  try {
    input = await readCocoEvalFiles(gtFile, dtFile);
  } catch (e) {
    if (e instanceof LoupeError) throw new CliError(e.message);
    throw e;
  }
  const { stats } = cocoEvaluate(input);
  if (json) {
    printJson(out, Object.fromEntries(STAT_KEYS.map((k, i) => [k, stats[i]])));
    return;
  }
  println(out, `${input.images} images, ${input.annotations} ground-truth boxes, ${input.dt.length} detections, ${input.categoryIds.length} categories`);
  stats.forEach((v, i) => println(out, summaryLine(i, v)));
}
