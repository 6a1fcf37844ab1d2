/**
 * Box matching between two annotators on one image (ARCHITECTURE.md §3): cost 1 − IoU,
 * pairs with IoU < t forbidden, pass 1 over same-class pairs, pass 2 over the leftovers
 * ignoring class (class disagreements), the rest missing on one side.
 *
 * The assignment rule, matching the reference in test/fixtures/agreement/make_golden.py:
 * each pass solves SciPy's `linear_sum_assignment` on the cost matrix where a forbidden
 * pair costs M = min(rows, cols) + 1 (more than any sum of allowed costs), and drops the
 * forbidden pairs of the optimum. So a pass first maximises the number of matches with
 * IoU ≥ t and then, among those, minimises Σ(1 − IoU). Because that objective is additive
 * over the connected components of the IoU ≥ t graph, each component is solved on its
 * own: a component with one edge is matched directly and only the rest go through the
 * Hungarian algorithm. Overlapping pairs are found with a sort-by-x sweep.
 *
 * IoU ≥ t matches (a pair exactly at t matches); a zero-area box has IoU 0 with
 * everything, so it never matches.
 */
import { LoupeError } from '../../domain/errors.ts';
import { linearSumAssignment } from './hungarian.ts';

/** A box as the agreement functions see it: image pixels, top-left origin. */
export interface ABox {
  id: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One matched pair: indices into a and b, their IoU, and whether the classes agree. */
export interface PairMatchEntry {
  a: number;
  b: number;
  iou: number;
  sameClass: boolean;
}

/** The matching of two annotators' boxes on one image (indices into a and b, ascending). */
export interface PairMatch {
  matches: PairMatchEntry[];
  onlyA: number[];
  onlyB: number[];
}

/** Intersection over union of two boxes; 0 when they do not overlap or the union is empty. */
export function iou(a: ABox, b: ABox): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  if (!(iw > 0)) return 0;
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (!(ih > 0)) return 0;
  const inter = iw * ih;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Refuse an IoU threshold outside (0, 1]. */
export function checkThreshold(t: number): void {
  if (typeof t !== 'number' || !(t > 0 && t <= 1)) {
    throw new LoupeError('bad_request', `The IoU threshold must be a number in (0, 1]; got ${String(t)}.`);
  }
}

/** Refuse a box whose coordinates are not finite or whose size is negative. */
export function checkBoxes(boxes: readonly ABox[], who: string): void {
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    if (!(Number.isFinite(b.x) && Number.isFinite(b.y) && Number.isFinite(b.w) && Number.isFinite(b.h) && b.w >= 0 && b.h >= 0)) {
      throw new LoupeError(
        'bad_request',
        `Box ${String(b.id)} of ${who} needs finite x, y and a width and height ≥ 0; got x=${b.x}, y=${b.y}, w=${b.w}, h=${b.h}.`,
      );
    }
  }
}

// ---- scratch (grown on demand; the matcher is synchronous and not re-entrant) ----
let nodeCap = 0;
let edgeCap = 0;
let order = new Int32Array(0);
let parent = new Int32Array(0);
let compOf = new Int32Array(0);
let local = new Int32Array(0);
let members = new Int32Array(0);
let compStart = new Int32Array(0);
let compEdges = new Int32Array(0);
let compFirstEdge = new Int32Array(0);
let eA = new Int32Array(0);
let eB = new Int32Array(0);
let eIoU = new Float64Array(0);
let eSame = new Uint8Array(0);
let costBuf = new Float64Array(0);
/** 1 for nodes (a then b) touching an edge of the current pass. */
let activeMark = new Uint8Array(0);
let rowToCol = new Int32Array(0);
/** After solvePair: the b index matched to each a (-1 if none), the IoU, and b's match. */
export let aToB = new Int32Array(0);
export let aIoU = new Float64Array(0);
export let bToA = new Int32Array(0);

function ensureNodes(n: number): void {
  if (n <= nodeCap) return;
  nodeCap = Math.max(n, nodeCap * 2, 64);
  order = new Int32Array(nodeCap);
  parent = new Int32Array(nodeCap);
  compOf = new Int32Array(nodeCap);
  local = new Int32Array(nodeCap);
  members = new Int32Array(nodeCap);
  compStart = new Int32Array(nodeCap + 1);
  compEdges = new Int32Array(nodeCap);
  compFirstEdge = new Int32Array(nodeCap);
  rowToCol = new Int32Array(nodeCap);
  aToB = new Int32Array(nodeCap);
  aIoU = new Float64Array(nodeCap);
  bToA = new Int32Array(nodeCap);
}

function pushEdge(n: number, ai: number, bi: number, v: number, same: boolean): number {
  if (n >= edgeCap) {
    edgeCap = Math.max(64, edgeCap * 2);
    const a2 = new Int32Array(edgeCap);
    const b2 = new Int32Array(edgeCap);
    const i2 = new Float64Array(edgeCap);
    const s2 = new Uint8Array(edgeCap);
    a2.set(eA.subarray(0, n));
    b2.set(eB.subarray(0, n));
    i2.set(eIoU.subarray(0, n));
    s2.set(eSame.subarray(0, n));
    eA = a2;
    eB = b2;
    eIoU = i2;
    eSame = s2;
  }
  eA[n] = ai;
  eB[n] = bi;
  eIoU[n] = v;
  eSame[n] = same ? 1 : 0;
  return n + 1;
}

function find(x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** Edges of the IoU ≥ t graph, found by sweeping b sorted by x. Returns the edge count. */
function findEdges(a: readonly ABox[], b: readonly ABox[], t: number): number {
  const nB = b.length;
  let maxW = 0;
  // insertion sort of b's indices by x (n is small; no allocation)
  for (let k = 0; k < nB; k++) {
    const bx = b[k].x;
    if (b[k].w > maxW) maxW = b[k].w;
    let p = k;
    while (p > 0 && b[order[p - 1]].x > bx) {
      order[p] = order[p - 1];
      p--;
    }
    order[p] = k;
  }
  let ne = 0;
  for (let i = 0; i < a.length; i++) {
    const ab = a[i];
    const right = ab.x + ab.w;
    const left = ab.x - maxW;
    // first position whose x ≥ right: nothing from there on can overlap
    let lo = 0;
    let hi = nB;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[order[mid]].x < right) lo = mid + 1;
      else hi = mid;
    }
    for (let p = lo - 1; p >= 0; p--) {
      const k = order[p];
      const bb = b[k];
      if (bb.x <= left) break;
      const v = iou(ab, bb);
      if (v >= t) ne = pushEdge(ne, i, k, v, ab.classId === bb.classId);
    }
  }
  return ne;
}

/**
 * One pass: the lexicographic optimum (most matches, then least Σ(1 − IoU)) over the
 * active edges, solved per connected component. pass 1 = same-class edges, pass 2 =
 * edges between boxes still free.
 */
function runPass(nA: number, nB: number, ne: number, pass: 1 | 2): void {
  const nN = nA + nB;
  for (let x = 0; x < nN; x++) {
    parent[x] = x;
    compOf[x] = -1;
  }
  let any = false;
  for (let e = 0; e < ne; e++) {
    if (pass === 1 ? eSame[e] === 0 : aToB[eA[e]] !== -1 || bToA[eB[e]] !== -1) continue;
    any = true;
    const ra = find(eA[e]);
    const rb = find(nA + eB[e]);
    if (ra !== rb) parent[ra] = rb;
  }
  if (!any) return;
  // number the components (in order of their first node) and count their edges
  let nc = 0;
  for (let e = 0; e < ne; e++) {
    if (pass === 1 ? eSame[e] === 0 : aToB[eA[e]] !== -1 || bToA[eB[e]] !== -1) continue;
    const r = find(eA[e]);
    if (compOf[r] === -1) {
      compOf[r] = nc;
      compEdges[nc] = 0;
      compFirstEdge[nc] = e;
      nc++;
    }
    compEdges[compOf[r]]++;
  }
  // members of the multi-edge components, a nodes then b nodes, each ascending
  for (let c = 0; c <= nc; c++) compStart[c] = 0;
  for (let x = 0; x < nN; x++) {
    const c = compOf[find(x)];
    if (c !== -1 && compEdges[c] > 1 && activeMark[x] === 1) compStart[c + 1]++;
  }
  for (let c = 0; c < nc; c++) compStart[c + 1] += compStart[c];
  // fill (reuse `order` as the write cursor)
  for (let c = 0; c < nc; c++) order[c] = compStart[c];
  for (let x = 0; x < nN; x++) {
    const c = compOf[find(x)];
    if (c !== -1 && compEdges[c] > 1 && activeMark[x] === 1) members[order[c]++] = x;
  }
  for (let c = 0; c < nc; c++) {
    if (compEdges[c] === 1) {
      const e = compFirstEdge[c];
      aToB[eA[e]] = eB[e];
      bToA[eB[e]] = eA[e];
      aIoU[eA[e]] = eIoU[e];
      continue;
    }
    let rows = 0;
    let cols = 0;
    for (let p = compStart[c]; p < compStart[c + 1]; p++) {
      const x = members[p];
      if (x < nA) local[x] = rows++;
      else local[x] = cols++;
    }
    const M = Math.min(rows, cols) + 1;
    const size = rows * cols;
    if (costBuf.length < size) costBuf = new Float64Array(Math.max(size, costBuf.length * 2));
    costBuf.fill(M, 0, size);
    for (let e = 0; e < ne; e++) {
      if (pass === 1 ? eSame[e] === 0 : aToB[eA[e]] !== -1 || bToA[eB[e]] !== -1) continue;
      if (compOf[find(eA[e])] !== c) continue;
      costBuf[local[eA[e]] * cols + local[nA + eB[e]]] = 1 - eIoU[e];
    }
    if (rowToCol.length < rows) rowToCol = new Int32Array(rows * 2);
    linearSumAssignment(costBuf, rows, cols, rowToCol);
    // map local indices back and keep the allowed pairs
    const start = compStart[c];
    const firstB = start + rows;
    for (let r = 0; r < rows; r++) {
      const col = rowToCol[r];
      if (col < 0) continue;
      const ai = members[start + r];
      const bi = members[firstB + col] - nA;
      if (costBuf[r * cols + col] === M) continue;
      aToB[ai] = bi;
      bToA[bi] = ai;
      aIoU[ai] = 1 - costBuf[r * cols + col];
    }
  }
  // the IoUs read back from the cost matrix are 1 − (1 − iou); restore the exact values
  for (let e = 0; e < ne; e++) if (aToB[eA[e]] === eB[e]) aIoU[eA[e]] = eIoU[e];
}


/**
 * Match a against b at threshold t into the exported scratch (aToB, aIoU, bToA).
 * Validates t and the boxes. Synchronous; the scratch is valid until the next call.
 */
export function solvePair(a: readonly ABox[], b: readonly ABox[], t: number): void {
  checkThreshold(t);
  checkBoxes(a, 'the first annotator');
  checkBoxes(b, 'the second annotator');
  const nA = a.length;
  const nB = b.length;
  ensureNodes(nA + nB + 1);
  if (activeMark.length < nodeCap) activeMark = new Uint8Array(nodeCap);
  for (let i = 0; i < nA; i++) aToB[i] = -1;
  for (let k = 0; k < nB; k++) bToA[k] = -1;
  if (nA === 0 || nB === 0) return;
  const ne = findEdges(a, b, t);
  if (ne === 0) return;
  for (const pass of [1, 2] as const) {
    activeMark.fill(0, 0, nA + nB);
    for (let e = 0; e < ne; e++) {
      if (pass === 1 ? eSame[e] === 0 : aToB[eA[e]] !== -1 || bToA[eB[e]] !== -1) continue;
      activeMark[eA[e]] = 1;
      activeMark[nA + eB[e]] = 1;
    }
    runPass(nA, nB, ne, pass);
  }
}

/** Match two annotators' boxes on one image by the §3 two-pass Hungarian rule at IoU ≥ t. */
export function matchPair(a: readonly ABox[], b: readonly ABox[], t: number): PairMatch {
  solvePair(a, b, t);
  const matches: PairMatchEntry[] = [];
  const onlyA: number[] = [];
  const onlyB: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const k = aToB[i];
    if (k === -1) onlyA.push(i);
    else matches.push({ a: i, b: k, iou: aIoU[i], sameClass: a[i].classId === b[k].classId });
  }
  for (let k = 0; k < b.length; k++) if (bToA[k] === -1) onlyB.push(k);
  return { matches, onlyA, onlyB };
}
