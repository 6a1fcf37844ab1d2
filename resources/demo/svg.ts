import { HEIGHT, WIDTH, type Defect, type FramePlan, type Part, type Pt } from './scene.ts';

/** Fixed precision keeps the SVG text, and so the pixels, identical from run to run. */
const f = (v: number) => v.toFixed(2);
const grey = (v: number) => {
  const c = Math.round(Math.min(255, Math.max(0, v)));
  return `rgb(${c},${c},${c})`;
};

/** The scene of one frame as SVG: rails, belt, the part, its defects, then the line's lighting. */
export function frameSvg(plan: FramePlan, weaveHref: string): string {
  const { view } = plan;
  const camera = `translate(${f(WIDTH / 2 + view.tx)} ${f(HEIGHT / 2 + view.ty)}) rotate(${f(view.angle)}) scale(${f(view.zoom)}) translate(${-WIDTH / 2} ${-HEIGHT / 2})`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    defs(plan),
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#1b1c1d"/>`,
    `<g transform="${camera}">`,
    belt(plan, weaveHref),
    part(plan.part),
    ...plan.defects.map((d, i) => defect(d, i)),
    '</g>',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="url(#lamp)"/>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="url(#vignette)"/>`,
    '</svg>',
  ].join('\n');
}

function defs(plan: FramePlan): string {
  const t = plan.part.tone;
  const { light } = plan;
  const stains = plan.defects
    .map((d, i) =>
      d.cls === 'stain'
        ? `<radialGradient id="stain${i}"><stop offset="0" stop-color="${d.tint}" stop-opacity="${f(d.alpha * 0.75)}"/><stop offset="0.8" stop-color="${d.tint}" stop-opacity="${f(d.alpha)}"/><stop offset="1" stop-color="${d.tint}" stop-opacity="${f(d.alpha * 0.5)}"/></radialGradient>`
        : '',
    )
    .join('');
  return `<defs>
<linearGradient id="metal" x1="0" y1="0" x2="1" y2="1">
  <stop offset="0" stop-color="${grey(96 + t)}"/><stop offset="0.3" stop-color="${grey(168 + t)}"/>
  <stop offset="0.52" stop-color="${grey(116 + t)}"/><stop offset="0.76" stop-color="${grey(146 + t)}"/><stop offset="1" stop-color="${grey(74 + t)}"/>
</linearGradient>
<linearGradient id="hub" x1="0" y1="0" x2="1" y2="1">
  <stop offset="0" stop-color="${grey(184 + t)}"/><stop offset="0.45" stop-color="${grey(138 + t)}"/><stop offset="1" stop-color="${grey(96 + t)}"/>
</linearGradient>
<linearGradient id="bevel" x1="0" y1="0" x2="1" y2="1">
  <stop offset="0" stop-color="#f2f4f6"/><stop offset="0.5" stop-color="#8a9097"/><stop offset="1" stop-color="#3c4045"/>
</linearGradient>
<linearGradient id="bevelIn" x1="0" y1="0" x2="1" y2="1">
  <stop offset="0" stop-color="#2a2d30"/><stop offset="0.5" stop-color="#6b7178"/><stop offset="1" stop-color="#e4e7ea"/>
</linearGradient>
<radialGradient id="bowtie"><stop offset="0" stop-color="#fff" stop-opacity="0.05"/><stop offset="0.6" stop-color="#fff" stop-opacity="0.32"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>
<radialGradient id="shadow"><stop offset="0.82" stop-color="#000" stop-opacity="0.6"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
<radialGradient id="dentShade" fx="0.35" fy="0.35"><stop offset="0" stop-color="#000" stop-opacity="0.45"/><stop offset="0.55" stop-color="#000" stop-opacity="0.2"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
<radialGradient id="dentGlint"><stop offset="0" stop-color="#fff" stop-opacity="0.5"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>
<linearGradient id="rail" x1="0" y1="0" x2="0" y2="1">
  <stop offset="0" stop-color="#5b6066"/><stop offset="0.55" stop-color="#a7adb3"/><stop offset="0.8" stop-color="#7d838a"/><stop offset="1" stop-color="#2b2e31"/>
</linearGradient>
<linearGradient id="railLow" x1="0" y1="0" x2="0" y2="1">
  <stop offset="0" stop-color="#2b2e31"/><stop offset="0.2" stop-color="#868c93"/><stop offset="0.5" stop-color="#b3b9bf"/><stop offset="1" stop-color="#54595f"/>
</linearGradient>
<linearGradient id="beltEdge" x1="0" y1="0" x2="0" y2="1">
  <stop offset="0" stop-color="#000" stop-opacity="0.55"/><stop offset="0.08" stop-color="#000" stop-opacity="0"/>
  <stop offset="0.92" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.55"/>
</linearGradient>
<radialGradient id="lamp" gradientUnits="userSpaceOnUse" cx="${f(light.x)}" cy="${f(light.y)}" r="${f(light.r)}">
  <stop offset="0" stop-color="#fff" stop-opacity="${f(light.strength)}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/>
</radialGradient>
<radialGradient id="vignette" gradientUnits="userSpaceOnUse" cx="${WIDTH / 2}" cy="${HEIGHT / 2}" r="420">
  <stop offset="0.45" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${f(light.vignette)}"/>
</radialGradient>
${stains}
</defs>`;
}

/** Scene extent drawn beyond the frame, so a rotated, zoomed camera never sees an edge. */
const X0 = -420;
const XW = WIDTH + 840;

function belt(plan: FramePlan, weaveHref: string): string {
  const b = plan.belt;
  const out = [
    `<rect x="${X0}" y="-300" width="${XW}" height="352" fill="url(#rail)"/>`,
    `<rect x="${X0}" y="428" width="${XW}" height="360" fill="url(#railLow)"/>`,
    `<rect x="${X0}" y="52" width="${XW}" height="376" fill="${grey(b.base)}"/>`,
    `<image x="${X0}" y="52" width="${XW}" height="376" href="${weaveHref}"/>`,
  ];
  for (const s of b.streaks) out.push(`<rect x="${X0}" y="${f(s.y)}" width="${XW}" height="1" fill="${s.light ? '#fff' : '#000'}" fill-opacity="${f(s.o)}"/>`);
  for (const s of b.speckles) out.push(`<circle cx="${f(s.x)}" cy="${f(s.y)}" r="${f(s.r)}" fill="${s.light ? '#d8d2c4' : '#000'}" fill-opacity="${f(s.o)}"/>`);
  out.push(`<path d="M${f(b.seamX)} 52L${f(b.seamX + 18)} 428" stroke="#000" stroke-opacity="0.45" stroke-width="2"/>`);
  out.push(`<path d="M${f(b.seamX + 2)} 52L${f(b.seamX + 20)} 428" stroke="#fff" stroke-opacity="0.1" stroke-width="1"/>`);
  out.push(`<rect x="${X0}" y="52" width="${XW}" height="376" fill="url(#beltEdge)"/>`);
  for (let x = X0 + 40; x < X0 + XW; x += 150) {
    for (const y of [30, 452]) {
      out.push(`<circle cx="${x}" cy="${y}" r="7" fill="url(#hub)" stroke="#2a2d30" stroke-width="1"/>`);
      out.push(`<path d="M${x - 4} ${y}H${x + 4}" stroke="#2a2d30" stroke-width="1.5"/>`);
    }
  }
  return out.join('\n');
}

/** The belt's diamond weave, drawn once per run and embedded as an image: as a pattern fill or as vectors it costs librsvg several times the whole frame. */
export function weaveTileSvg(): string {
  const h = 376;
  let d = '';
  for (let x = -h; x < XW; x += 7) d += `M${x} 0l${h} ${h}M${x + h} 0l${-h} ${h}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${XW}" height="${h}"><path d="${d}" stroke="#000" stroke-opacity="0.3" stroke-width="1"/></svg>`;
}

function part(p: Part): string {
  return p.kind === 'flange' ? flange(p) : bracket(p);
}

function hole(h: { x: number; y: number; r: number }): string {
  return `<circle cx="${f(h.x)}" cy="${f(h.y)}" r="${f(h.r)}" fill="#0c0d0e" stroke="url(#bevelIn)" stroke-width="2"/>`;
}

function flange(p: Extract<Part, { kind: 'flange' }>): string {
  const out = [
    `<circle cx="${f(p.cx + 8)}" cy="${f(p.cy + 10)}" r="${f(p.r + 14)}" fill="url(#shadow)"/>`,
    `<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(p.r)}" fill="url(#metal)"/>`,
  ];
  // Turning marks: faint concentric rings, as a lathe leaves them.
  let k = 0;
  for (let r = p.boreR + 3; r < p.r - 2; r += 2.6) {
    out.push(`<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(r)}" fill="none" stroke="${k++ % 2 ? '#fff' : '#000'}" stroke-opacity="${f(0.035 + (k % 5) * 0.012)}" stroke-width="1.2"/>`);
  }
  // The anisotropic "bow-tie" highlight of a turned surface under a top light.
  const a = -0.85;
  const wedge = (dir: number, half: number) => {
    const p1 = { x: p.cx + Math.cos(dir - half) * p.r, y: p.cy + Math.sin(dir - half) * p.r };
    const p2 = { x: p.cx + Math.cos(dir + half) * p.r, y: p.cy + Math.sin(dir + half) * p.r };
    return `M${f(p.cx)} ${f(p.cy)}L${f(p1.x)} ${f(p1.y)}A${f(p.r)} ${f(p.r)} 0 0 1 ${f(p2.x)} ${f(p2.y)}Z`;
  };
  // Nested wedges of low opacity stand in for a soft edge, which a blur filter would make slow.
  for (const half of [0.34, 0.24, 0.15, 0.07]) {
    out.push(`<path d="${wedge(a, half)}${wedge(a + Math.PI, half)}" fill="url(#bowtie)" fill-opacity="0.28"/>`);
  }
  out.push(`<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(p.r - 1.5)}" fill="none" stroke="url(#bevel)" stroke-width="3"/>`);
  out.push(`<circle cx="${f(p.cx + 2)}" cy="${f(p.cy + 3)}" r="${f(p.hubR + 1)}" fill="#000" fill-opacity="0.25"/>`);
  out.push(`<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(p.hubR)}" fill="url(#hub)" stroke="url(#bevel)" stroke-width="2.5"/>`);
  for (let r = p.boreR + 4; r < p.hubR - 3; r += 3.1) {
    out.push(`<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(r)}" fill="none" stroke="#000" stroke-opacity="0.05" stroke-width="1"/>`);
  }
  out.push(hole({ x: p.cx, y: p.cy, r: p.boreR }));
  out.push(`<circle cx="${f(p.cx)}" cy="${f(p.cy)}" r="${f(p.boreR - 4)}" fill="#060606"/>`);
  for (const h of p.holes) out.push(hole(h));
  return out.join('\n');
}

function bracket(p: Extract<Part, { kind: 'bracket' }>): string {
  const x = p.cx - p.w / 2;
  const y = p.cy - p.h / 2;
  const out = [`<g transform="rotate(${f(p.angle)} ${f(p.cx)} ${f(p.cy)})">`];
  for (let i = 3; i >= 1; i--) {
    out.push(`<rect x="${f(x + 6 - i * 3)}" y="${f(y + 9 - i * 3)}" width="${f(p.w + i * 6)}" height="${f(p.h + i * 6)}" rx="${f(p.corner + i * 3)}" fill="#000" fill-opacity="0.16"/>`);
  }
  out.push(`<clipPath id="plate"><rect x="${f(x)}" y="${f(y)}" width="${f(p.w)}" height="${f(p.h)}" rx="${f(p.corner)}"/></clipPath>`);
  out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(p.w)}" height="${f(p.h)}" rx="${f(p.corner)}" fill="url(#metal)"/>`);
  // Brushed finish: fine lines along the long side.
  out.push('<g clip-path="url(#plate)">');
  for (let i = 0; i < p.h; i += 1.7) {
    const o = 0.03 + ((i * 7.31) % 1) * 0.07;
    out.push(`<rect x="${f(x)}" y="${f(y + i)}" width="${f(p.w)}" height="0.8" fill="${Math.floor(i * 3.7) % 2 ? '#fff' : '#000'}" fill-opacity="${f(o)}"/>`);
  }
  out.push(`<rect x="${f(x - 40)}" y="${f(y)}" width="${f(p.w * 0.35)}" height="${f(p.h)}" fill="#fff" fill-opacity="0.12" transform="skewX(-30)"/>`);
  out.push('</g>');
  out.push(`<rect x="${f(x + 1)}" y="${f(y + 1)}" width="${f(p.w - 2)}" height="${f(p.h - 2)}" rx="${f(p.corner)}" fill="none" stroke="url(#bevel)" stroke-width="2.5"/>`);
  out.push(
    `<rect x="${f(p.cx - p.slot.w / 2)}" y="${f(p.cy - p.slot.h / 2)}" width="${f(p.slot.w)}" height="${f(p.slot.h)}" rx="${f(p.slot.h / 2)}" fill="#0c0d0e" stroke="url(#bevelIn)" stroke-width="2"/>`,
  );
  out.push('</g>');
  for (const h of p.holes) out.push(hole(h));
  return out.join('\n');
}

function defect(d: Defect, i: number): string {
  switch (d.cls) {
    case 'scratch': {
      const path = `M${f(d.p0.x)} ${f(d.p0.y)}Q${f(d.c.x)} ${f(d.c.y)} ${f(d.p1.x)} ${f(d.p1.y)}`;
      return [
        `<path d="${path}" transform="translate(0.8 0.9)" fill="none" stroke="#1d1f21" stroke-opacity="0.55" stroke-width="${f(d.width + 0.6)}" stroke-linecap="round"/>`,
        `<path d="${path}" fill="none" stroke="#f7f9fb" stroke-opacity="0.9" stroke-width="${f(d.width)}" stroke-linecap="round"/>`,
      ].join('\n');
    }
    case 'crack': {
      const polys = d.paths.map((pts) => pts.map((p) => `${f(p.x)},${f(p.y)}`).join(' '));
      return polys
        .map(
          (pts, k) =>
            `<polyline points="${pts}" transform="translate(-0.7 -0.7)" fill="none" stroke="#fff" stroke-opacity="0.3" stroke-width="${f(d.width * (k ? 0.5 : 0.7))}"/>` +
            `<polyline points="${pts}" fill="none" stroke="#0b0b0b" stroke-opacity="0.92" stroke-width="${f(d.width * (k ? 0.65 : 1))}" stroke-linejoin="round"/>`,
        )
        .join('\n');
    }
    case 'dent': {
      const rot = `rotate(${f(d.angle)} ${f(d.cx)} ${f(d.cy)})`;
      return [
        `<ellipse cx="${f(d.cx)}" cy="${f(d.cy)}" rx="${f(d.rx)}" ry="${f(d.ry)}" transform="${rot}" fill="url(#dentShade)"/>`,
        `<ellipse cx="${f(d.cx + d.rx * 0.3)}" cy="${f(d.cy + d.ry * 0.3)}" rx="${f(d.rx * 0.55)}" ry="${f(d.ry * 0.45)}" transform="${rot}" fill="url(#dentGlint)"/>`,
      ].join('\n');
    }
    case 'stain':
      return `<path d="${smoothClosed(d.pts)}" fill="url(#stain${i})" stroke="${d.tint}" stroke-opacity="${f(d.alpha * 0.6)}" stroke-width="1.2"/>`;
  }
}

/** A closed Catmull-Rom curve through the points, as cubic Béziers. */
function smoothClosed(pts: Pt[]): string {
  const n = pts.length;
  let d = `M${f(pts[0].x)} ${f(pts[0].y)}`;
  for (let i = 0; i < n; i++) {
    const p0 = pts[(i - 1 + n) % n];
    const p1 = pts[i];
    const p2 = pts[(i + 1) % n];
    const p3 = pts[(i + 2) % n];
    d += `C${f(p1.x + (p2.x - p0.x) / 6)} ${f(p1.y + (p2.y - p0.y) / 6)} ${f(p2.x - (p3.x - p1.x) / 6)} ${f(p2.y - (p3.y - p1.y) / 6)} ${f(p2.x)} ${f(p2.y)}`;
  }
  return `${d}Z`;
}
