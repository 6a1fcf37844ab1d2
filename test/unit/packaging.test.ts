// The installers' configuration (electron-builder.yml), checked offline: it
// validates against electron-builder's own schema, sets the Electron fuses, and
// electron-builder, run on it for this platform as far as `--dir`, packages the
// bundles, the production modules the app loads and the demo model, and nothing
// else. The Electron runtime is downloaded by `npm run dist`; where the electron
// package holds its binary (node_modules/electron/dist), the packaging uses it
// and the fuses are read back from the packaged executable.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
// @ts-expect-error: plain .mjs build scripts without type declarations
import { buildMain, MAIN_EXTERNAL } from '../../scripts/build-main.mjs';
// @ts-expect-error: plain .mjs build scripts without type declarations
import { ensureRenderer } from '../../scripts/lib.mjs';
// @ts-expect-error: plain .mjs build scripts without type declarations
import { ICON_SIZES, renderPng } from '../../scripts/make-icons.mjs';
// @ts-expect-error: plain .mjs build scripts without type declarations
import { bundledPackageDirs, declaredLicence, describePackage, npmLs, packageDirOf } from '../../scripts/third-party-notices.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const CONFIG_FILE = path.join(ROOT, 'electron-builder.yml');
const config = YAML.parse(fs.readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
const pkgJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; license: string; devDependencies: Record<string, string> };

/** What the release checklist asks of the fuses, by electron-builder's option names. */
const WANTED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  enableCookieEncryption: true,
};

let compiled: any;
/** electron-builder's JSON schema for its configuration, compiled with ajv (once). */
function schemaValidator() {
  if (!compiled) {
    const Ajv = require('ajv').default ?? require('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    compiled = ajv.compile(JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')));
  }
  return compiled;
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's configuration schema", () => {
    const validate = schemaValidator();
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check refuses a misspelt option and a wrong type', () => {
    const validate = schemaValidator();
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } })).toBe(false);
    expect(validate({ ...config, asar: 'yes' })).toBe(false);
  });

  it('turns RunAsNode, NODE_OPTIONS and the inspect arguments off; asar integrity, asar-only loading and cookie encryption on', () => {
    expect(config.electronFuses).toMatchObject(WANTED_FUSES);
    // Every fuse the checklist names is set explicitly, not left to Electron's default.
    for (const key of Object.keys(WANTED_FUSES)) expect(typeof config.electronFuses[key], key).toBe('boolean');
  });

  it('packs the app into an asar and unpacks the native modules', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', '**/node_modules/sharp/**', '**/node_modules/@img/**', '**/node_modules/onnxruntime-node/**']));
  });

  it("keeps onnxruntime-node's binaries for each target platform and architecture only, as electron-builder reads the patterns", () => {
    // electron-builder's own pattern expansion and matcher, for targets other than this machine.
    const { FileMatcher } = require(path.join(ROOT, 'node_modules/app-builder-lib/out/fileMatcher.js'));
    const { expandMacro } = require(path.join(ROOT, 'node_modules/app-builder-lib/out/util/macroExpander.js'));
    const bin = path.join(ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    const files = (fs.readdirSync(bin, { recursive: true }) as string[]).map((f) => path.join(bin, f)).filter((f) => fs.statSync(f).isFile());
    const patterns = (config.files as string[]).filter((p) => p.includes('onnxruntime-node/bin'));
    expect(patterns.length).toBeGreaterThan(0);
    const kept = (os: string, arch: string) => {
      const filter = new FileMatcher(ROOT, ROOT, (p: string) => expandMacro(p, arch, {}, { os }), ['**/*', ...patterns]).createFilter();
      return [...new Set(files.filter((f) => filter(f, fs.statSync(f))).map((f) => path.relative(bin, path.dirname(f)).replaceAll('\\', '/')))];
    };
    const targets: [string, string, string][] = [['linux', 'linux', 'x64'], ['linux', 'linux', 'arm64'], ['win', 'win32', 'x64'], ['win', 'win32', 'arm64'], ['mac', 'darwin', 'arm64']];
    for (const [os, dir, arch] of targets) {
      const expected = fs.existsSync(path.join(bin, dir, arch)) ? [`${dir}/${arch}`] : [];
      expect(kept(os, arch), `${os} ${arch}`).toEqual(expected);
    }
  });

  it('builds AppImage and deb, NSIS and dmg, each with an icon that exists, and associates .loupe files', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toBe('nsis');
    expect(config.mac.target).toBe('dmg');
    const res = path.join(ROOT, config.directories.buildResources);
    expect(fs.statSync(path.join(res, config.linux.icon)).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(res, config.win.icon))).toBe(true);
    expect(fs.existsSync(path.join(res, config.mac.icon))).toBe(true);
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'loupe', mimeType: expect.stringMatching(/^application\//) })]);
  });
});

describe('app icon', () => {
  const res = path.join(ROOT, 'resources');

  it('the PNG set holds every size, square, rendered from resources/icon.svg as it is now', async () => {
    for (const size of ICON_SIZES as number[]) {
      const file = path.join(res, 'icons', `${size}x${size}.png`);
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height, meta.hasAlpha], file).toEqual(['png', size, size, true]);
    }
    // A stale set (the SVG changed, the PNGs were not rendered again) fails here.
    const fresh = await sharp(await renderPng(256)).raw().toBuffer();
    const committed = await sharp(path.join(res, 'icons', '256x256.png')).raw().toBuffer();
    expect(committed.equals(fresh)).toBe(true);
  });

  it('icon.ico holds 16 to 256 px images and icon.icns is an icns file of its stated length', () => {
    const ico = fs.readFileSync(path.join(res, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, i) => ico[6 + i * 16] || 256).sort((a, b) => a - b);
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
    const icns = fs.readFileSync(path.join(res, 'icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
  });
});

describe('third-party notices', () => {
  it('read licences the ways package.json files declare them', () => {
    expect(declaredLicence({ license: 'MIT' })).toBe('MIT');
    expect(declaredLicence({ license: { type: 'ISC' } })).toBe('ISC');
    expect(declaredLicence({ licenses: [{ type: 'MIT' }, 'Apache-2.0'] })).toBe('MIT OR Apache-2.0');
    expect(declaredLicence({})).toBe('UNKNOWN');
  });

  it('find the package a bundled source file belongs to, scoped and nested', () => {
    const nm = path.join(ROOT, 'node_modules');
    expect(packageDirOf(path.join(nm, 'react-dom', 'cjs', 'x.js'))).toBe(path.join(nm, 'react-dom'));
    expect(packageDirOf(path.join(nm, '@img', 'colour', 'index.js'))).toBe(path.join(nm, '@img', 'colour'));
    expect(packageDirOf(path.join(nm, 'a', 'node_modules', 'b', 'i.js'))).toBe(path.join(nm, 'a', 'node_modules', 'b'));
    expect(packageDirOf(path.join(ROOT, 'app', 'x.ts'))).toBeNull();
  });

  it('carry the licence text a package ships', () => {
    const p = describePackage(path.join(ROOT, 'node_modules', 'better-sqlite3'));
    expect(p).toMatchObject({ name: 'better-sqlite3', licence: 'MIT', licenceFiles: ['LICENSE'] });
    expect(p.text).toMatch(/Permission is hereby granted/);
  });

  it('Loupe is MIT-licensed in LICENSE, package.json and the README', () => {
    expect(pkgJson.license).toBe('MIT');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toMatch(/MIT licen[cs]e/i);
  });
});

/** The packaged app's files, read back from the archive electron-builder wrote. */
interface Packaged {
  appOutDir: string;
  resources: string;
  asarFiles: string[];
  realElectron: boolean;
}

/** Size of a file or folder tree in bytes. */
function treeBytes(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, name) => n + treeBytes(path.join(p, name)), 0);
}

/** The top-level package names under node_modules in a list of archive paths. */
function topModules(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    const parts = f.split('/').filter(Boolean);
    if (parts[0] !== 'node_modules' || parts.length < 2) continue;
    if (parts[1].startsWith('@')) {
      if (parts.length >= 3) names.add(`${parts[1]}/${parts[2]}`);
    } else names.add(parts[1]);
  }
  return names;
}

/** Names in the production dependency tree of `roots`, as npm resolved it. */
function productionClosure(roots: string[]): Set<string> {
  // npm exits non-zero on extraneous packages (installed, not yet in package.json) but prints the tree.
  const tree = JSON.parse(npmLs(ROOT)) as { dependencies: Record<string, any> };
  const names = new Set<string>();
  const walk = (deps: Record<string, any> | undefined) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      // Optional dependencies for other platforms are listed but not installed.
      if (!d.path || !fs.existsSync(path.join(d.path, 'package.json'))) continue;
      names.add(name);
      walk(d.dependencies);
    }
  };
  walk(Object.fromEntries(Object.entries(tree.dependencies).filter(([name]) => roots.includes(name))));
  return names;
}

describe('the app electron-builder packages from it (this platform, --dir)', () => {
  let work: string;
  let built: string[];
  let packaged: Packaged;
  const asar = require('@electron/asar') as { listPackage(a: string, o: object): string[]; statFile(a: string, f: string): { unpacked?: boolean } };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-pack-'));
    // What `npm run dist` builds first (scripts/build-app.mjs), in the same places.
    ensureRenderer();
    await buildMain({ quiet: true });
    built = fs.readdirSync(path.join(ROOT, 'dist', 'main')).filter((f) => /\.(cjs|mjs)$/.test(f));

    // The Electron runtime: the electron package's own binary when it is installed,
    // otherwise a stand-in folder, since the zip electron-builder downloads is out of
    // reach offline. Fuses can only be flipped in the real binary.
    const installed = path.join(ROOT, 'node_modules', 'electron', 'dist');
    const realElectron = fs.existsSync(path.join(installed, process.platform === 'win32' ? 'electron.exe' : 'electron'));
    let electronDist = installed;
    if (!realElectron) {
      electronDist = path.join(work, 'electron-dist');
      fs.mkdirSync(path.join(electronDist, 'resources'), { recursive: true });
      fs.mkdirSync(path.join(electronDist, 'locales'));
      fs.writeFileSync(path.join(electronDist, process.platform === 'win32' ? 'electron.exe' : 'electron'), '');
    }
    const builder = require('electron-builder');
    const platform = { linux: builder.Platform.LINUX, win32: builder.Platform.WINDOWS, darwin: builder.Platform.MAC }[process.platform as 'linux'];
    // electron-builder reads electron-builder.yml itself; only these override it.
    await builder.build({
      projectDir: ROOT,
      targets: platform.createTarget('dir', builder.Arch[process.arch]),
      config: { electronDist, electronFuses: realElectron ? config.electronFuses : null, directories: { output: path.join(work, 'release') } },
      publish: 'never',
    });
    const outDir = fs.readdirSync(path.join(work, 'release')).find((d) => d.endsWith('-unpacked') || d.startsWith('mac'));
    const appOutDir = path.join(work, 'release', outDir!);
    const resources = process.platform === 'darwin' ? path.join(appOutDir, 'Loupe.app', 'Contents', 'Resources') : path.join(appOutDir, 'resources');
    const asarFiles = asar.listPackage(path.join(resources, 'app.asar'), {}).map((f) => f.replaceAll('\\', '/'));
    packaged = { appOutDir, resources, asarFiles, realElectron };
  }, 300_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('holds the main and preload bundles, every worker bundle and the renderer with every file its page loads', () => {
    const files = new Set(packaged.asarFiles);
    expect(built).toEqual(expect.arrayContaining(['main.cjs', 'preload.cjs', 'detectWorker.mjs', 'evalWorker.mjs']));
    for (const f of built) expect(files.has(`/dist/main/${f}`), f).toBe(true);
    expect(files.has(`/${pkgJson.main}`)).toBe(true);
    const html = fs.readFileSync(path.join(ROOT, 'dist', 'renderer', 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of ['index.html', ...refs]) expect(files.has(`/dist/renderer/${ref}`), ref).toBe(true);
    const assets = fs.readdirSync(path.join(ROOT, 'dist', 'renderer', 'assets')).filter((f) => !f.endsWith('.map'));
    for (const a of assets) expect(files.has(`/dist/renderer/assets/${a}`), a).toBe(true);
  });

  it('holds no tests, benches, sources, TypeScript or source maps', () => {
    const own = packaged.asarFiles.filter((f) => !f.startsWith('/node_modules/'));
    const bad = packaged.asarFiles.filter(
      (f) => /\.(map|ts|tsx|mts|cts)$/.test(f) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(f) || /^\/(app|main|renderer|scripts|test|bench|models|resources|bin|docs|build|release)(\/|$)/.test(f),
    );
    expect(bad.slice(0, 20)).toEqual([]);
    // The app's own files are exactly its bundles, the renderer and package.json.
    expect(own.filter((f) => !/^\/(dist\/main|dist\/renderer)\//.test(f) && !['/dist', '/dist/main', '/dist/renderer', '/node_modules', '/package.json'].includes(f))).toEqual([]);
  });

  it('holds exactly the production modules the bundles load, and no dev dependency', () => {
    const modules = topModules(packaged.asarFiles);
    const wanted = productionClosure((MAIN_EXTERNAL as string[]).filter((m) => m !== 'electron'));
    // npm puts a nested copy at the top when it is not there already; compare names.
    expect([...modules].sort()).toEqual([...wanted].sort());
    const dev = Object.keys(pkgJson.devDependencies);
    expect([...modules].filter((m) => dev.includes(m))).toEqual([]);
  });

  it('unpacks every native addon, with onnxruntime-node and sharp binaries for this platform and architecture only', () => {
    const archive = path.join(packaged.resources, 'app.asar');
    const natives = packaged.asarFiles.filter((f) => f.endsWith('.node'));
    expect(natives.length).toBeGreaterThan(0);
    for (const f of natives) {
      expect(asar.statFile(archive, f.slice(1)).unpacked, f).toBe(true);
      expect(fs.existsSync(path.join(packaged.resources, 'app.asar.unpacked', f)), f).toBe(true);
    }
    const ort = natives.filter((f) => f.includes('/onnxruntime-node/'));
    expect(ort).toEqual([`/node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`]);
    const sharpNative = natives.filter((f) => f.includes('/@img/'));
    expect(sharpNative.length).toBeGreaterThan(0);
    for (const f of sharpNative) expect(f).toContain(`/@img/sharp-${process.platform}-${process.arch}/`);
    // better-sqlite3's Node build is left out; the Electron build goes to resources/native.
    expect(natives.filter((f) => f.includes('/better-sqlite3/'))).toEqual([]);
    const electronBuild = path.join(ROOT, 'build', 'electron-native', 'better_sqlite3.node');
    expect(fs.existsSync(path.join(packaged.resources, 'native', 'better_sqlite3.node'))).toBe(fs.existsSync(electronBuild));
    if (!fs.existsSync(electronBuild)) console.log('packaging: build/electron-native/better_sqlite3.node is not built here (it needs the Electron headers), so resources/native is empty');
  });

  it('holds the demo models as the manifest lists them, its README, the licence and the notices, and not the training recipe', () => {
    const models = path.join(packaged.resources, 'models');
    const manifest = JSON.parse(fs.readFileSync(path.join(models, 'manifest.json'), 'utf8')) as { files: { file: string; sha256: string; bytes: number }[] };
    expect(manifest.files.length).toBeGreaterThan(0);
    for (const f of manifest.files) {
      const buf = fs.readFileSync(path.join(models, f.file));
      expect([buf.length, createHash('sha256').update(buf).digest('hex')], f.file).toEqual([f.bytes, f.sha256]);
    }
    expect(fs.readdirSync(models).sort()).toEqual(['README.md', 'manifest.json', ...manifest.files.map((f) => f.file)].sort());
    expect(fs.readFileSync(path.join(packaged.resources, 'LICENSE'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'));
    expect(fs.existsSync(path.join(packaged.resources, 'THIRD_PARTY_NOTICES.md'))).toBe(true);
  });

  it('THIRD_PARTY_NOTICES.md names every packaged module and every package bundled into the code, with its version', () => {
    const notices = fs.readFileSync(path.join(ROOT, 'THIRD_PARTY_NOTICES.md'), 'utf8');
    const listed = new Set([...notices.matchAll(/^\| (\S+) \| (\S+) \| /gm)].map((m) => `${m[1]}@${m[2]}`));
    const shipped = new Set<string>();
    for (const f of packaged.asarFiles.filter((x) => /^\/node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(x))) {
      const pkg = JSON.parse(asar.statFile(path.join(packaged.resources, 'app.asar'), f.slice(1)).unpacked
        ? fs.readFileSync(path.join(packaged.resources, 'app.asar.unpacked', f), 'utf8')
        : (require('@electron/asar').extractFile(path.join(packaged.resources, 'app.asar'), f.slice(1)) as Buffer).toString('utf8'));
      shipped.add(`${pkg.name}@${pkg.version}`);
    }
    for (const dir of bundledPackageDirs() as Set<string>) {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      shipped.add(`${pkg.name}@${pkg.version}`);
    }
    expect(shipped.size).toBeGreaterThan(20);
    const missing = [...shipped].filter((p) => !listed.has(p));
    expect(missing, 'regenerate with node scripts/third-party-notices.mjs').toEqual([]);
  });

  it('reports the packaged size', () => {
    const r = packaged.resources;
    const sizes = {
      asar: treeBytes(path.join(r, 'app.asar')),
      unpacked: treeBytes(path.join(r, 'app.asar.unpacked')),
      models: treeBytes(path.join(r, 'models')),
      total: treeBytes(packaged.appOutDir),
    };
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(
      `packaging: app.asar ${mb(sizes.asar)} (${packaged.asarFiles.length} entries), app.asar.unpacked ${mb(sizes.unpacked)}, models ${mb(sizes.models)}, ` +
        `whole folder ${mb(sizes.total)}${packaged.realElectron ? '' : ' without the Electron runtime (not installed here)'}`,
    );
    expect(sizes.asar).toBeGreaterThan(0);
    expect(sizes.models).toBeGreaterThan(0);
  });

  it.skipIf(!fs.existsSync(path.join(ROOT, 'node_modules', 'electron', 'dist')))('the packaged Electron binary has the fuses flipped as configured', async () => {
    const { getCurrentFuseWire, FuseV1Options, FuseState } = require('@electron/fuses');
    const exe = process.platform === 'darwin' ? path.join(packaged.appOutDir, 'Loupe.app', 'Contents', 'MacOS', 'Loupe') : path.join(packaged.appOutDir, process.platform === 'win32' ? 'Loupe.exe' : config.linux.executableName);
    const wire = await getCurrentFuseWire(exe);
    const state = (on: boolean) => (on ? FuseState.ENABLE : FuseState.DISABLE);
    expect(wire[FuseV1Options.RunAsNode]).toBe(state(WANTED_FUSES.runAsNode));
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(state(WANTED_FUSES.enableNodeOptionsEnvironmentVariable));
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(state(WANTED_FUSES.enableNodeCliInspectArguments));
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(state(WANTED_FUSES.enableEmbeddedAsarIntegrityValidation));
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(state(WANTED_FUSES.onlyLoadAppFromAsar));
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(state(WANTED_FUSES.enableCookieEncryption));
  });
});
