import path from 'node:path';
import type { Res } from '../../contract/methods.ts';
import type { PackageExportSummary, PackageImportSummary, PackageOpenSummary } from '../../contract/jobResults.ts';
import { call, CliError, Interrupted, openProject, printJson, println, type CliContext } from './context.ts';
import { waitForJob } from './progress.ts';
import { JSON_FLAG, PROJECT, type Command } from './spec.ts';
import { assertFile } from './values.ts';

type Job = Res<'jobs:list'>[number];

/** Wait for a package job with progress on stderr; Ctrl+C cancels it, and `cancelled` says what was left. */
async function waitForPackage<T>(ctx: CliContext, job: Job, doing: string, cancelled: string): Promise<T> {
  const final = await waitForJob(ctx, job, { doing, unit: 'images', cancelling: cancelled });
  if (final.state === 'cancelled') throw new Interrupted(`${doing.toLowerCase()} cancelled: ${cancelled}`);
  return final.result as T;
}

const counted = (c: PackageExportSummary['counts']) =>
  `${c.images} images, ${c.predictions} predictions, ${c.boxes} boxes, ${c.marks} marks, ${c.rejections} rejections, ${c.edits} edits${c.imageFiles ? `, ${c.imageFiles} image files` : ''}`;

/** `loupe package export|open|import`. */
export const PACKAGE_COMMANDS: Command[] = [
  {
    name: 'package export',
    summary: "Write one person's work package: their images, the model's pre-labels and their own work",
    usage: 'loupe package export PROJECT --annotator NAME --out FILE [--with-images] [--json]',
    details:
      "Writes FILE with the project's id and classes, the images NAME has an assignment row or boxes on, the latest model run's predictions on each, and NAME's boxes, rejections, done/skipped marks and edits; nobody else's boxes or name. --with-images puts the image files in too. The file is written beside FILE and renamed when complete, so Ctrl+C or a failure leaves nothing at FILE. Run it in a project opened from a package to send the work back.",
    positionals: PROJECT,
    flags: {
      annotator: { kind: 'string', value: 'NAME', help: 'The person the package is for', required: true },
      out: { kind: 'string', value: 'FILE', help: 'The package file to write (replaced if it exists)', required: true },
      'with-images': { kind: 'boolean', help: 'Include the image files' },
      json: JSON_FLAG,
    },
    async run(ctx, a) {
      const out = path.resolve(a.flags.out as string);
      await openProject(ctx, a.positionals.PROJECT!);
      const job = await call(ctx, 'package:export', { annotator: a.flags.annotator as string, out, withImages: Boolean(a.flags['with-images']) });
      const s = await waitForPackage<PackageExportSummary>(ctx, job, 'Exporting', `nothing was written at ${out}`);
      if (a.flags.json) return printJson(ctx, s);
      println(ctx, `Wrote the work package of ${s.annotator} to ${s.file} (${s.bytes} bytes${s.origin === 'package' ? ', work coming back' : ''})`);
      println(ctx, `  ${counted(s.counts)}`);
      for (const u of s.unreadable) println(ctx, `  left out ${u.path}: ${u.reason}`);
    },
  },
  {
    name: 'package open',
    summary: 'Create a project from a work package, its images found in a folder',
    usage: 'loupe package open FILE --images DIR --project NEW.loupe [--json]',
    details:
      "Creates NEW.loupe with the package's project id, classes, predictions and the person's work, the person as its annotator. Each image is looked for in DIR at its path, else by file name anywhere under DIR, and checked by content hash; with a package that holds the images they are written into DIR (never over an existing file). Images not found are listed and left out; the rest are usable. Refuses an existing NEW.loupe, a damaged or truncated package and one from a newer Loupe; nothing is left at NEW.loupe then.",
    positionals: [{ name: 'FILE', required: true }],
    flags: {
      images: { kind: 'string', value: 'DIR', help: 'Folder holding (or to receive) the images', required: true },
      project: { kind: 'string', value: 'NEW.loupe', help: 'The project file to create', required: true },
      json: JSON_FLAG,
    },
    async run(ctx, a) {
      const file = assertFile(a.positionals.FILE!, 'package');
      const project = path.resolve(a.flags.project as string);
      const job = await call(ctx, 'package:open', { file, imagesDir: path.resolve(a.flags.images as string), project });
      const s = await waitForPackage<PackageOpenSummary>(ctx, job, 'Opening', `nothing was created at ${project}`);
      if (a.flags.json) return printJson(ctx, s);
      println(ctx, `Created ${s.project} for ${s.annotator}: ${s.images} images usable${s.written ? ` (${s.written} written into ${s.imagesDir})` : ''}`);
      println(ctx, `  ${counted(s.counts)}`);
      if (s.missing.length) {
        println(ctx, `${s.missing.length} images not found in ${s.imagesDir}:`);
        for (const m of s.missing) println(ctx, `  ${m.path}: ${m.reason}`);
      }
    },
  },
  {
    name: 'package import',
    summary: "Bring a work package's boxes, edits and marks into the project, attributed to its person",
    usage: 'loupe package import PROJECT FILE [--json]',
    details:
      "Checks the whole package first (format version, checksum, length, that it comes from this project, classes by id and name) and refuses it with the reason, changing nothing. Then, in one transaction, each image (matched by content hash) gets the person's boxes, rejections and mark from the package, replacing theirs; images where the project already holds exactly that are left as they are, so importing the same package twice changes nothing. Predictions and other people's work are never touched.",
    positionals: [...PROJECT, { name: 'FILE', required: true }],
    flags: { json: JSON_FLAG },
    async run(ctx, a) {
      const file = assertFile(a.positionals.FILE!, 'package');
      await openProject(ctx, a.positionals.PROJECT!);
      const job = await call(ctx, 'package:import', { file });
      const s = await waitForPackage<PackageImportSummary>(ctx, job, 'Importing', 'nothing was imported');
      if (a.flags.json) return printJson(ctx, s);
      if (!s) throw new CliError('the import gave no result');
      println(ctx, `Imported the work of ${s.annotator}: ${s.changed} images updated, ${s.unchanged} already up to date, ${s.boxesAdded} boxes added, ${s.boxesRemoved} replaced, ${s.marks} marks, ${s.edits} edits`);
      if (s.unmatched.length) {
        println(ctx, `${s.unmatched.length} package images are not in this project:`);
        for (const u of s.unmatched) println(ctx, `  ${u.path}: ${u.reason}`);
      }
    },
  },
];
