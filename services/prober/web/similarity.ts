// How alike two token lists are, 0-100, order included: 100 * 2 * LCS / (n + m), the ratio
// difflib's SequenceMatcher.ratio() approximates, here exact (the shortest edit script of
// Myers' O(ND) algorithm, inserts and deletes only, so D = n + m - 2 * LCS). Internet.nl uses
// quick_ratio(), which counts shared characters and ignores order. Pure; see decision 015.

/** Tokens compared at most on each side after the common prefix and suffix (bounds the work). */
export const MAX_COMPARED_TOKENS = 4000;

/** Myers' forward search: the length of the shortest insert/delete script from a to b. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return 0;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return d;
    }
  }
  return max;
}

/**
 * Similarity 0-100 of two token lists (100: equal, both empty included; 0: nothing in common).
 * Beyond MAX_COMPARED_TOKENS differing tokens on a side, the excess counts as all different, so
 * a huge page is never scored more alike than it is.
 */
export function similarity(a: readonly string[], b: readonly string[]): number {
  const total = a.length + b.length;
  if (total === 0) return 100;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middleA = a.slice(start, Math.min(endA, start + MAX_COMPARED_TOKENS));
  const middleB = b.slice(start, Math.min(endB, start + MAX_COMPARED_TOKENS));
  const excess = endA - start - middleA.length + (endB - start - middleB.length);
  const distance = editDistance(middleA, middleB) + excess;
  return (100 * (total - distance)) / total;
}
