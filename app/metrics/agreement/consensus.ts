/**
 * Consensus merge after CVAT (ARCHITECTURE.md §3). Every pair of people is matched at t
 * (both passes, so a cluster can hold class disagreements); the matches, by IoU
 * descending, join clusters greedily, two clusters merging only when they share no
 * annotator and every cross pair has IoU ≥ t. A box no match reaches is a cluster of one.
 *
 * Deterministic: people are taken by ascending id (the lower id is A in each pair),
 * equal IoUs are taken by (A's id, A's index, B's id, B's index), clusters are listed
 * by their first member in (annotator id, box index) order, members by annotator id.
 */
import { LoupeError } from '../../domain/errors.ts';
import { peopleOf } from './counts.ts';
import { aIoU, aToB, checkThreshold, iou, solvePair, type ABox } from './match.ts';

/** One box of a cluster: whose it is and where it sits in that person's list. */
export interface ClusterMember {
  annotatorId: number;
  index: number;
  box: ABox;
}

/** A consensus box: the chosen member with the cluster's class, its votes and members. */
export interface ConsensusBox {
  /** The chosen member, classId set to the cluster's class. */
  box: ABox;
  classId: number;
  /** Members whose class is the cluster's class. */
  votes: number;
  members: { annotatorId: number; boxId: number }[];
}

/** The quorum used when none is given: a majority of the people, at least one. */
export function defaultQuorum(nPeople: number): number {
  return Math.max(1, Math.ceil(nPeople / 2));
}

/** Refuse a quorum that is not an integer ≥ 1. */
export function checkQuorum(quorum: number): void {
  if (!Number.isInteger(quorum) || quorum < 1) {
    throw new LoupeError('bad_request', `The quorum must be an integer ≥ 1; got ${String(quorum)}.`);
  }
}

/** Matches between people on one image; node = the person's offset + the box index. */
export interface MatchEdges {
  u: number[];
  v: number[];
  iou: number[];
}

/** Where each person's boxes start in the node numbering (people in ascending id order). */
export function nodeOffsets(lists: readonly (readonly ABox[])[]): number[] {
  const offset: number[] = [];
  let n = 0;
  for (const l of lists) {
    offset.push(n);
    n += l.length;
  }
  offset.push(n);
  return offset;
}

/** Append the current solvePair result for people p < q to the edges. */
export function pushMatches(edges: MatchEdges, offset: readonly number[], p: number, q: number, nA: number): void {
  for (let i = 0; i < nA; i++) {
    const k = aToB[i];
    if (k === -1) continue;
    edges.u.push(offset[p] + i);
    edges.v.push(offset[q] + k);
    edges.iou.push(aIoU[i]);
  }
}

/** The clusters of one image (members sorted by annotator id), before any quorum. */
export function clusters(byPerson: ReadonlyMap<number, readonly ABox[]>, t: number): ClusterMember[][] {
  checkThreshold(t);
  const people = peopleOf(byPerson);
  const lists = people.map((p) => byPerson.get(p)!);
  const offset = nodeOffsets(lists);
  const edges: MatchEdges = { u: [], v: [], iou: [] };
  for (let p = 0; p < lists.length; p++) {
    for (let q = p + 1; q < lists.length; q++) {
      solvePair(lists[p], lists[q], t);
      pushMatches(edges, offset, p, q, lists[p].length);
    }
  }
  return clustersFromMatches(people, lists, edges, t);
}

// ---- scratch of clustersFromMatches (grown on demand; synchronous, not re-entrant) ----
let nodeCap = 0;
let sPerson = new Int32Array(0);
let sIndex = new Int32Array(0);
let sClusterOf = new Int32Array(0);
let sNext = new Int32Array(0);
let sTail = new Int32Array(0);

function ensureNodes(n: number): void {
  if (n <= nodeCap) return;
  nodeCap = Math.max(n, nodeCap * 2, 64);
  sPerson = new Int32Array(nodeCap);
  sIndex = new Int32Array(nodeCap);
  sClusterOf = new Int32Array(nodeCap);
  sNext = new Int32Array(nodeCap);
  sTail = new Int32Array(nodeCap);
}

/**
 * Group the pairwise matches of one image into clusters (see the module comment).
 * people ascending, lists[i] = the boxes of people[i], edges made with pushMatches.
 */
export function clustersFromMatches(
  people: readonly number[],
  lists: readonly (readonly ABox[])[],
  edges: MatchEdges,
  t: number,
): ClusterMember[][] {
  const offset = nodeOffsets(lists);
  const nNodes = offset[lists.length];
  ensureNodes(nNodes);
  const person = sPerson;
  const indexOf = sIndex;
  for (let p = 0; p < lists.length; p++) {
    for (let i = 0; i < lists[p].length; i++) {
      person[offset[p] + i] = p;
      indexOf[offset[p] + i] = i;
    }
  }
  const { u: eu, v: ev, iou: ew } = edges;
  const ne = eu.length;
  // node numbering follows (person, index), so (u, v) order is (A's id, A's index, B's id, B's index)
  const edgeOrder = sortEdges(eu, ev, ew);
  // clusters as linked lists of nodes; a cluster is named by its smallest node
  const clusterOf = sClusterOf;
  const next = sNext;
  const tail = sTail;
  for (let x = 0; x < nNodes; x++) {
    clusterOf[x] = x;
    next[x] = -1;
    tail[x] = x;
  }
  for (let k = 0; k < ne; k++) {
    const e = edgeOrder[k];
    const cu = clusterOf[eu[e]];
    const cv = clusterOf[ev[e]];
    if (cu === cv) continue;
    let ok = true;
    for (let x = cu; ok && x !== -1; x = next[x]) {
      const bx = lists[person[x]][indexOf[x]];
      for (let y = cv; y !== -1; y = next[y]) {
        if (person[x] === person[y] || iou(bx, lists[person[y]][indexOf[y]]) < t) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) continue;
    const keep = cu < cv ? cu : cv;
    const drop = cu < cv ? cv : cu;
    for (let y = drop; y !== -1; y = next[y]) clusterOf[y] = keep;
    next[tail[keep]] = drop;
    tail[keep] = tail[drop];
  }
  const out: ClusterMember[][] = [];
  for (let c = 0; c < nNodes; c++) {
    if (clusterOf[c] !== c) continue;
    const g: ClusterMember[] = [];
    for (let x = c; x !== -1; x = next[x]) g.push({ annotatorId: people[person[x]], index: indexOf[x], box: lists[person[x]][indexOf[x]] });
    // members by annotator id (= node order, people being ascending; one member per
    // person, so the order is total); clusters are small, so an insertion sort in place
    for (let i = 1; i < g.length; i++) {
      const m = g[i];
      let j = i;
      while (j > 0 && g[j - 1].annotatorId > m.annotatorId) {
        g[j] = g[j - 1];
        j--;
      }
      g[j] = m;
    }
    out.push(g);
  }
  return out;
}

let sOrder = new Int32Array(0);
let sTmp = new Int32Array(0);

/**
 * Edge indices by IoU descending, then (u, v) ascending: a total order (no two edges
 * join the same nodes), so this bottom-up merge sort gives what any sort would, without
 * a comparator call per comparison. The result is scratch, valid until the next call.
 */
function sortEdges(eu: readonly number[], ev: readonly number[], ew: readonly number[]): Int32Array {
  const n = eu.length;
  if (sOrder.length < n) {
    sOrder = new Int32Array(Math.max(n, sOrder.length * 2, 64));
    sTmp = new Int32Array(sOrder.length);
  }
  let a = sOrder;
  let b = sTmp;
  for (let e = 0; e < n; e++) a[e] = e;
  const before = (x: number, y: number) => ew[x] > ew[y] || (ew[x] === ew[y] && (eu[x] < eu[y] || (eu[x] === eu[y] && ev[x] < ev[y])));
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) b[k++] = before(a[j], a[i]) ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    const t = a;
    a = b;
    b = t;
  }
  sOrder = a;
  sTmp = b;
  return a;
}

/** The cluster's class, its votes, and the chosen member, before the quorum. */
export function resolveCluster(members: readonly ClusterMember[]): { classId: number; votes: number; chosen: ClusterMember } {
  const k = members.length;
  // votes of each member's class; clusters hold one box per person, so k is small
  let best = 0;
  let first = -1;
  let tie = false;
  for (let i = 0; i < k; i++) {
    const ci = members[i].box.classId;
    let n = 0;
    for (let j = 0; j < k; j++) if (members[j].box.classId === ci) n++;
    if (n > best) {
      best = n;
      first = i;
      tie = false;
    } else if (n === best && ci !== members[first].box.classId) tie = true;
  }
  let classId = members[first].box.classId;
  if (tie) {
    // the class of the member most like the others (mean IoU), ties to the lowest annotator id
    let bestMean = -1;
    for (let i = 0; i < k; i++) {
      const m = members[i].box;
      let n = 0;
      for (let j = 0; j < k; j++) if (members[j].box.classId === m.classId) n++;
      if (n !== best) continue;
      let s = 0;
      for (let j = 0; j < k; j++) if (j !== i) s += iou(m, members[j].box);
      const mean = s / (k - 1);
      if (mean > bestMean) {
        bestMean = mean;
        classId = m.classId;
      }
    }
  }
  let mx = 0;
  let my = 0;
  let mw = 0;
  let mh = 0;
  for (const m of members) {
    mx += m.box.x;
    my += m.box.y;
    mw += m.box.w;
    mh += m.box.h;
  }
  const mean: ABox = { id: -1, classId, x: mx / k, y: my / k, w: mw / k, h: mh / k };
  let chosen = members[0];
  let bestIoU = -1;
  for (const m of members) {
    const v = iou(m.box, mean);
    if (v > bestIoU) {
      bestIoU = v;
      chosen = m;
    }
  }
  return { classId, votes: best, chosen };
}

/**
 * Merge several people's boxes on one image into consensus boxes: clusters at IoU ≥ t,
 * class by majority, clusters with fewer votes than the quorum dropped.
 */
export function consensusMerge(byPerson: ReadonlyMap<number, readonly ABox[]>, t: number, quorum: number): ConsensusBox[] {
  checkQuorum(quorum);
  const out: ConsensusBox[] = [];
  for (const members of clusters(byPerson, t)) {
    const r = resolveCluster(members);
    if (r.votes < quorum) continue;
    out.push({
      box: { ...r.chosen.box, classId: r.classId },
      classId: r.classId,
      votes: r.votes,
      members: members.map((m) => ({ annotatorId: m.annotatorId, boxId: m.box.id })),
    });
  }
  return out;
}
