package org.llmexplorer.engine.attention;

import java.util.Arrays;
import org.llmexplorer.engine.sampling.SplitMix64;

/** Small shared pieces of the mask family. */
final class Masks {
    private Masks() {
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A sorted, duplicate-free copy of global positions, all non-negative. */
    static int[] sortedPositions(int[] positions, String mask) {
        int[] p = Arrays.stream(positions).sorted().distinct().toArray();
        require(p.length == 0 || p[0] >= 0, mask + ": global positions must be 0 or more");
        return p;
    }

    private static final ThreadLocal<int[][]> SCRATCH = ThreadLocal.withInitial(() -> new int[4][0]);

    /**
     * A per-thread work array of at least n ints, so that composite masks list keys without
     * allocating on every query. Slots: 0 Longformer's window, 1 and 3 BigBird's two parts,
     * 2 the random draw.
     */
    static int[] scratch(int which, int n) {
        int[][] s = SCRATCH.get();
        if (s[which].length < n) {
            s[which] = new int[Math.max(n, 64)];
        }
        return s[which];
    }

    static boolean isGlobal(int[] sortedGlobal, int position) {
        return Arrays.binarySearch(sortedGlobal, position) >= 0;
    }

    /**
     * Merges two ascending key lists without duplicates into out; returns the count.
     * {@code out} may not alias the inputs.
     */
    static int union(int[] a, int na, int[] b, int nb, int[] out) {
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < na || j < nb) {
            int next = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
            if (i < na && a[i] == next) {
                i++;
            }
            if (j < nb && b[j] == next) {
                j++;
            }
            out[n++] = next;
        }
        return n;
    }

    /**
     * Reproducible random key draws: for a query, r distinct keys among [0, m), from a generator
     * seeded by the mask's seed and the query (Floyd's sampling: exactly r draws, no retries).
     */
    static final class RandomDraw {
        private RandomDraw() {
        }

        /** Writes the drawn keys, ascending, to out; returns how many (min(r, m)). */
        static int draw(long seed, int query, int m, int r, int[] out) {
            if (r >= m) {
                for (int j = 0; j < m; j++) {
                    out[j] = j;
                }
                return Math.max(m, 0);
            }
            SplitMix64 random = new SplitMix64(seed * 0x9E3779B97F4A7C15L + query);
            int[] chosen = scratch(2, r);
            int count = 0;
            for (int j = m - r; j < m; j++) {
                int t = (int) Math.floorMod(random.nextLong(), (long) (j + 1));
                boolean taken = false;
                for (int k = 0; k < count; k++) {
                    if (chosen[k] == t) {
                        taken = true;
                        break;
                    }
                }
                chosen[count++] = taken ? j : t;
            }
            Arrays.sort(chosen, 0, r);
            System.arraycopy(chosen, 0, out, 0, r);
            return r;
        }

        static boolean contains(long seed, int query, int m, int r, int key) {
            if (key < 0 || key >= m) {
                return false;
            }
            if (r >= m) {
                return true;
            }
            int[] keys = new int[r];
            int n = draw(seed, query, m, r, keys);
            return Arrays.binarySearch(keys, 0, n, key) >= 0;
        }
    }

    static String positions(int[] p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : "+").append(p[i]);
        }
        return sb.toString();
    }
}
