/**
 * Rectangular minimum-cost assignment, the shortest augmenting path form of
 * Jonker-Volgenant as SciPy's `linear_sum_assignment` implements it (Crouse 2016),
 * step for step, so that ties resolve the same way: the matrix is transposed when it
 * has more rows than columns, rows are augmented in order, and among equally short
 * columns a free one is taken first. O(n²·m) for n ≤ m.
 *
 * Scratch memory is module-level typed arrays grown on demand, so repeated calls on
 * small matrices allocate nothing but the result.
 */

let cap = 0;
let u = new Float64Array(0);
let v = new Float64Array(0);
let spc = new Float64Array(0);
let path = new Int32Array(0);
let col4row = new Int32Array(0);
let row4col = new Int32Array(0);
let sr = new Uint8Array(0);
let sc = new Uint8Array(0);
let remaining = new Int32Array(0);
let tcost = new Float64Array(0);

function ensure(n: number, size: number): void {
  if (n > cap) {
    cap = Math.max(n, cap * 2, 16);
    u = new Float64Array(cap);
    v = new Float64Array(cap);
    spc = new Float64Array(cap);
    path = new Int32Array(cap);
    col4row = new Int32Array(cap);
    row4col = new Int32Array(cap);
    sr = new Uint8Array(cap);
    sc = new Uint8Array(cap);
    remaining = new Int32Array(cap);
  }
  if (size > tcost.length) tcost = new Float64Array(Math.max(size, tcost.length * 2));
}

/**
 * Solve min Σ cost[i][col(i)] over assignments of min(nr, nc) rows to distinct columns.
 * `cost` is row-major nr × nc with finite entries. Writes the column of each row into
 * `rowToCol` (length ≥ nr), -1 for rows left out when nr > nc.
 */
export function linearSumAssignment(cost: Float64Array, nr: number, nc: number, rowToCol: Int32Array): void {
  for (let i = 0; i < nr; i++) rowToCol[i] = -1;
  if (nr === 0 || nc === 0) return;
  const transpose = nc < nr;
  ensure(Math.max(nr, nc), nr * nc);
  let c = cost;
  let R = nr;
  let C = nc;
  if (transpose) {
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) tcost[j * nr + i] = cost[i * nc + j];
    c = tcost;
    R = nc;
    C = nr;
  }
  for (let i = 0; i < R; i++) {
    u[i] = 0;
    col4row[i] = -1;
  }
  for (let j = 0; j < C; j++) {
    v[j] = 0;
    path[j] = -1;
    row4col[j] = -1;
  }
  for (let cur = 0; cur < R; cur++) {
    // augmenting_path
    let minVal = 0;
    let nRem = C;
    for (let it = 0; it < C; it++) remaining[it] = C - it - 1;
    for (let i = 0; i < R; i++) sr[i] = 0;
    for (let j = 0; j < C; j++) {
      sc[j] = 0;
      spc[j] = Infinity;
    }
    let i = cur;
    let sink = -1;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      sr[i] = 1;
      const base = i * C;
      const ui = u[i];
      for (let it = 0; it < nRem; it++) {
        const j = remaining[it];
        const r = minVal + c[base + j] - ui - v[j];
        if (r < spc[j]) {
          path[j] = i;
          spc[j] = r;
        }
        if (spc[j] < lowest || (spc[j] === lowest && row4col[j] === -1)) {
          lowest = spc[j];
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Infinity) throw new Error('linearSumAssignment: cost matrix is infeasible');
      const j = remaining[index];
      if (row4col[j] === -1) sink = j;
      else i = row4col[j];
      sc[j] = 1;
      remaining[index] = remaining[--nRem];
    }
    // update the dual variables
    u[cur] += minVal;
    for (let r = 0; r < R; r++) if (sr[r] && r !== cur) u[r] += minVal - spc[col4row[r]];
    for (let j = 0; j < C; j++) if (sc[j]) v[j] -= minVal - spc[j];
    // augment along the path back to the current row
    let j = sink;
    for (;;) {
      const r = path[j];
      row4col[j] = r;
      const tmp = col4row[r];
      col4row[r] = j;
      j = tmp;
      if (r === cur) break;
    }
  }
  if (transpose) {
    for (let j = 0; j < R; j++) rowToCol[col4row[j]] = j;
  } else {
    for (let i2 = 0; i2 < R; i2++) rowToCol[i2] = col4row[i2];
  }
}
