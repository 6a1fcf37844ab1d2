import path from 'node:path';
import type { ImportSummary } from '../../io/importFolder.ts';
import { allPages, call, CliError, openProject, printJson, println } from './context.ts';
import { printAnnotators, printImportSummary, printInfo, printBoxes, printClasses } from './format.ts';
import { AGREEMENT_COMMAND, CONSENSUS_COMMAND } from './agreementCommands.ts';
import { ASSIGN_COMMAND } from './assignCommand.ts';
import { DETECT_COMMAND } from './detect.ts';
import { EVALUATE_COMMAND } from './evaluateCommand.ts';
import { FLAG_COMMAND } from './flagCommand.ts';
import { PACKAGE_COMMANDS } from './packageCommand.ts';
import { EXPORT_COMMAND } from './exportCommand.ts';
import { isLabelImport, LABEL_IMPORT_FLAGS, runLabelImport } from './importLabelsCommand.ts';
import { MODEL_COMMANDS } from './modelCommands.ts';
import { METADATA_COMMAND, METADATA_FLAG, TIMELINE_COMMAND } from './monitoringCommands.ts';
import { UsageError } from './args.ts';
import { waitForImport } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { assertFile, assertFolder, positiveInt } from './values.ts';

export type { Command } from './spec.ts';

/** Every command, in the order `loupe --help` lists them. */
export const COMMANDS: Command[] = [
  {
    name: 'init',
    summary: 'Create a project file, optionally importing a folder of images',
    usage: 'loupe init PROJECT [--images DIR [--metadata FILE]] [--json]',
    details: 'Creates PROJECT (refuses to overwrite an existing file). With --images, imports every image under DIR and waits for the import to finish.',
    positionals: PROJECT,
    flags: { images: { kind: 'string', value: 'DIR', help: 'Folder of images to import right away' }, metadata: METADATA_FLAG, json: JSON_FLAG },
    async run(ctx, a) {
      const file = path.resolve(a.positionals.PROJECT!);
      const dir = a.flags.images === undefined ? undefined : assertFolder(a.flags.images as string);
      const metadataFile = metadataFlag(a.flags, dir, 'init');
      const created = await call(ctx, 'project:create', { file, imagesDir: dir, metadataFile });
      const summary = created.job ? await waitForImport(ctx, created.job) : null;
      const info = await call(ctx, 'project:info', {});
      if (a.flags.json) printJson(ctx, { project: info.file, imageCount: info.imageCount, import: summary && importJson(summary) });
      else {
        println(ctx, `Created ${info.file}`);
        if (summary) printImportSummary(ctx, summary, info.file);
      }
    },
  },
  {
    name: 'import',
    summary: 'Import a folder of images, or labels and predictions, into a project',
    usage:
      'loupe import PROJECT --images DIR [--pixel-limit N] [--metadata FILE] [--json]\n       loupe import PROJECT --annotations FILE_OR_DIR --format yolo|coco --annotator NAME [--dry-run] [--json]\n       loupe import PROJECT --predictions FILE_OR_DIR --format coco-results|ultralytics-txt --model NAME [--images-json FILE] [--dry-run] [--json]',
    details:
      'Adds every image under DIR that the project does not have yet; files already imported are skipped and unreadable ones are listed with the reason. Progress goes to stderr. Ctrl+C stops after the batch in flight; what was imported is kept. With --annotations or --predictions, labels or predictions are checked whole first (every problem is printed as file:line: reason on stderr, exit 1, nothing written), then written in one transaction; images found beside the labels are added, classes are matched by name and new ones created and listed.',
    positionals: PROJECT,
    flags: {
      images: { kind: 'string', value: 'DIR', help: 'Folder of images to import (searched recursively)' },
      'pixel-limit': { kind: 'string', value: 'N', help: 'Refuse images with more than N pixels (default 100000000)' },
      metadata: METADATA_FLAG,
      ...LABEL_IMPORT_FLAGS,
      json: JSON_FLAG,
    },
    async run(ctx, a) {
      if (isLabelImport(a) && a.flags.metadata !== undefined) throw new UsageError('--metadata goes with --images (or use `loupe metadata PROJECT FILE`)', 'import');
      if (isLabelImport(a)) return runLabelImport(ctx, a);
      if (a.flags.images === undefined) throw new UsageError('import needs --images DIR', 'import');
      const stray = Object.keys(LABEL_IMPORT_FLAGS).find((f) => a.flags[f] !== undefined);
      if (stray) throw new UsageError(`--${stray} goes with --annotations or --predictions, not --images`, 'import');
      const dir = assertFolder(a.flags.images as string);
      const pixelLimit = a.flags['pixel-limit'] === undefined ? undefined : positiveInt('--pixel-limit', a.flags['pixel-limit'] as string);
      const metadataFile = metadataFlag(a.flags, dir, 'import');
      const info = await openProject(ctx, a.positionals.PROJECT!);
      const job = await call(ctx, 'images:import', { dir, pixelLimit, metadataFile });
      const summary = await waitForImport(ctx, job);
      if (a.flags.json) printJson(ctx, importJson(summary));
      else printImportSummary(ctx, summary, info.file);
    },
  },
  {
    name: 'classes',
    summary: 'List the classes of a project, or add some',
    usage: 'loupe classes PROJECT [--add NAME…] [--json]',
    details:
      'Lists id, name, colour, hotkey and box count of each class. --add takes one or more names (--add scratch crack, or --add scratch --add crack); new classes get the next free colour and digit hotkey. Nothing is added when any name is taken.',
    positionals: PROJECT,
    flags: { add: { kind: 'list', value: 'NAME…', help: 'Add classes with these names' }, json: JSON_FLAG },
    async run(ctx, a) {
      await openProject(ctx, a.positionals.PROJECT!);
      const names = ((a.flags.add as string[] | undefined) ?? []).map((n) => n.trim());
      const taken = new Set((await call(ctx, 'classes:list', {})).map((c) => c.name));
      for (const name of names) {
        if (taken.has(name)) throw new CliError(`a class named "${name}" already exists; nothing was added`);
        if (name) taken.add(name);
      }
      const added = [];
      for (const name of names) added.push(await call(ctx, 'classes:create', { name }));
      const { classes } = await call(ctx, 'project:info', {});
      if (a.flags.json) printJson(ctx, { added: added.map((c) => c.id), classes });
      else printClasses(ctx, classes, added.length);
    },
  },
  {
    name: 'info',
    summary: 'Summarise a project: images, failed files, classes, boxes, annotators',
    usage: 'loupe info PROJECT [--json]',
    details: 'Image count, files that could not be imported and why, classes with their box counts, the box total and the annotators.',
    positionals: PROJECT,
    flags: { json: JSON_FLAG },
    async run(ctx, a) {
      const info = await openProject(ctx, a.positionals.PROJECT!);
      const failures = await allPages((offset) => call(ctx, 'images:failures', { offset, limit: 1000 }));
      const annotators = ctx.session.project.annotators.list();
      const report = {
        file: info.file,
        name: info.name,
        roots: info.roots,
        imageCount: info.imageCount,
        failedCount: info.failedCount,
        failures,
        classes: info.classes,
        boxCount: info.boxCount,
        boxesByClass: Object.fromEntries(info.classes.map((c) => [c.name, c.boxCount])),
        annotators,
      };
      if (a.flags.json) printJson(ctx, report);
      else printInfo(ctx, report);
    },
  },
  {
    name: 'annotators',
    summary: 'List the annotators of a project with images marked done and boxes',
    usage: 'loupe annotators PROJECT [--json]',
    details:
      'Lists id, name, kind (human, model or consensus), how many images each has marked done and how many boxes each has. Importing labels with --annotator NAME adds to the annotator of that name.',
    positionals: PROJECT,
    flags: { json: JSON_FLAG },
    async run(ctx, a) {
      await openProject(ctx, a.positionals.PROJECT!);
      const annotators = await call(ctx, 'annotators:list', {});
      if (a.flags.json) printJson(ctx, { annotators });
      else printAnnotators(ctx, annotators);
    },
  },
  {
    name: 'boxes',
    summary: 'List boxes with image, class, position, author and score',
    usage: 'loupe boxes PROJECT [--image FILE] [--json]',
    details:
      'Boxes of every author in original-image pixels (x, y = top-left corner), exactly as stored, with their provenance (drawn, accepted or edited from the prediction named by source, imported, predicted). --image picks one image by its path as stored in the project or by its file path.',
    positionals: PROJECT,
    flags: { image: { kind: 'string', value: 'FILE', help: 'Only this image' }, json: JSON_FLAG },
    async run(ctx, a) {
      await openProject(ctx, a.positionals.PROJECT!);
      const p = ctx.session.project;
      const classNames = new Map((await call(ctx, 'classes:list', {})).map((c) => [c.id, c.name]));
      const authors = new Map(p.annotators.list().map((r) => [r.id, r.name]));
      const rootPaths = new Map(p.images.roots().map((r) => [r.id, p.rootPath(r.path)]));
      const images = (await allPages((offset) => call(ctx, 'images:list', { offset, limit: 1000 }))).map((img) => ({
        ...img,
        abs: path.join(rootPaths.get(p.images.get(img.id)!.rootId)!, img.path),
      }));
      const chosen = a.flags.image === undefined ? images.filter((i) => i.boxCount > 0) : [pickImage(images, a.flags.image as string)];

      const rows = [];
      for (const img of chosen) {
        const { boxes } = await call(ctx, 'boxes:list', { imageId: img.id });
        for (const b of boxes) {
          rows.push({
            image: img.path,
            imagePath: img.abs,
            imageId: img.id,
            id: b.id,
            class: classNames.get(b.classId) ?? null,
            classId: b.classId,
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
            author: authors.get(b.annotatorId) ?? null,
            score: b.score,
            provenance: b.provenance,
            /** The prediction an accepted or edited box came from. */
            source: b.sourceBoxId,
          });
        }
      }
      if (a.flags.json) printJson(ctx, { count: rows.length, boxes: rows });
      else printBoxes(ctx, rows);
    },
  },
  ...MODEL_COMMANDS,
  DETECT_COMMAND,
  EXPORT_COMMAND,
  EVALUATE_COMMAND,
  ...PACKAGE_COMMANDS,
  ASSIGN_COMMAND,
  AGREEMENT_COMMAND,
  CONSENSUS_COMMAND,
  FLAG_COMMAND,
  METADATA_COMMAND,
  TIMELINE_COMMAND,
];

/** The --metadata sidecar, which needs --images. */
function metadataFlag(flags: Record<string, unknown>, dir: string | undefined, command: string): string | undefined {
  if (flags.metadata === undefined) return undefined;
  if (dir === undefined) throw new UsageError('--metadata needs --images DIR (or use `loupe metadata PROJECT FILE`)', command);
  return assertFile(flags.metadata as string, 'metadata file');
}

/** The import summary as `--json` prints it: every failure, and the count. */
function importJson(s: ImportSummary) {
  return { root: s.root, found: s.found, added: s.added, alreadyPresent: s.alreadyPresent, failedCount: s.failed.length, failed: s.failed };
}

/** The image whose stored path is `file`, or whose file on disk `file` resolves to. */
function pickImage<T extends { path: string; abs: string }>(images: T[], file: string): T {
  const stored = file.split(path.sep).join('/');
  let hits = images.filter((i) => i.path === stored);
  if (hits.length === 0) hits = images.filter((i) => i.abs === path.resolve(file));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new CliError(`"${file}" matches ${hits.length} images in different folders; give the full path, e.g. ${hits[0].abs}`);
  }
  const example = images.length ? ` (as stored, e.g. "${images[0].path}", or as a file path)` : ' (the project has no images)';
  throw new CliError(`no image "${file}" in this project${example}`);
}
