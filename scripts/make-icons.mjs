// `node scripts/make-icons.mjs`: render the app icon from resources/icon.svg.
//
// Writes, all committed beside the source:
// - resources/icons/NxN.png for each size in ICON_SIZES (Linux: AppImage and deb
//   install them into the hicolor theme) and resources/icon.png (1024 px);
// - resources/icon.ico (Windows: installer, executable, .loupe files), 16–256 px;
// - resources/icon.icns (macOS: the app bundle and the dmg), 16–1024 px.
// PNGs are rendered by sharp straight from the SVG at each size (no downscaling
// of one bitmap); the .ico and .icns are packed by png2icons from the 1024 px PNG.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import png2icons from 'png2icons';
import sharp from 'sharp';
import { ROOT } from './lib.mjs';

/** The SVG every icon is rendered from. */
export const ICON_SOURCE = path.join(ROOT, 'resources', 'icon.svg');
/** Pixel sizes of the PNG set in resources/icons/. */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** The SVG rendered as a square RGBA PNG of `size` pixels. */
export async function renderPng(size, svg = fs.readFileSync(ICON_SOURCE)) {
  // density scales the 1024-unit artboard so librsvg draws at the target size itself.
  return sharp(svg, { density: (72 * size) / 1024 })
    .resize(size, size)
    .png({ compressionLevel: 9, palette: false })
    .toBuffer();
}

/** Render every icon file into `outDir` (resources/ by default); returns the paths written. */
export async function makeIcons({ outDir = path.join(ROOT, 'resources') } = {}) {
  const svg = fs.readFileSync(ICON_SOURCE);
  const setDir = path.join(outDir, 'icons');
  fs.mkdirSync(setDir, { recursive: true });
  const written = [];
  let largest;
  for (const size of ICON_SIZES) {
    const png = await renderPng(size, svg);
    const file = path.join(setDir, `${size}x${size}.png`);
    fs.writeFileSync(file, png);
    written.push(file);
    if (size === 1024) largest = png;
  }
  const iconPng = path.join(outDir, 'icon.png');
  fs.writeFileSync(iconPng, largest);
  written.push(iconPng);
  // forWinExe: the small sizes as BMP, 256 as PNG, which is what Windows' resource
  // tools (rcedit, NSIS) accept.
  const ico = png2icons.createICO(largest, png2icons.BICUBIC2, 0, false, true);
  const icns = png2icons.createICNS(largest, png2icons.BICUBIC2, 0);
  if (!ico || !icns) throw new Error('png2icons could not convert the 1024 px icon');
  for (const [name, buf] of [['icon.ico', ico], ['icon.icns', icns]]) {
    const file = path.join(outDir, name);
    fs.writeFileSync(file, buf);
    written.push(file);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  makeIcons()
    .then((files) => console.log(`make-icons: wrote ${files.map((f) => path.relative(ROOT, f)).join(', ')}`))
    .catch((err) => {
      console.error(`make-icons: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
