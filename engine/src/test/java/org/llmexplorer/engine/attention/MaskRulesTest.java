package org.llmexplorer.engine.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each mask's connectivity equals its rule as the papers state it, written here independently
 * as plain predicates, for many sizes and parameters; the listed keys equal the predicate; and
 * the textbook examples come out as drawn.
 */
class MaskRulesTest {

    /** A mask and its rule, written from the definition (i query, j key, n length). */
    record Case(AttentionMask mask, Rule rule) {
        @Override
        public String toString() {
            return mask.spec();
        }
    }

    @FunctionalInterface
    interface Rule {
        boolean allowed(int i, int j, int n);
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case(new GlobalMask(), (i, j, n) -> true));
        c.add(new Case(new CausalMask(), (i, j, n) -> j <= i));
        for (int w : new int[] {1, 2, 3, 4, 7, 16}) {
            c.add(new Case(new SlidingWindowMask(w, true), (i, j, n) -> i - w < j && j <= i));
            c.add(new Case(new SlidingWindowMask(w, false), (i, j, n) -> Math.abs(i - j) <= w / 2));
            for (int d : new int[] {1, 2, 3}) {
                c.add(new Case(new DilatedWindowMask(w, d, true),
                        (i, j, n) -> j <= i && (i - j) % d == 0 && (i - j) / d < w));
                c.add(new Case(new DilatedWindowMask(w, d, false),
                        (i, j, n) -> Math.abs(i - j) % d == 0 && Math.abs(i - j) / d <= w / 2));
            }
        }
        for (int l : new int[] {1, 2, 3, 4, 8}) {
            c.add(new Case(new StridedMask(l, SparsePattern.ROW), (i, j, n) -> j <= i && i - j < l));
            c.add(new Case(new StridedMask(l, SparsePattern.COLUMN), (i, j, n) -> j <= i && (i - j) % l == 0));
            c.add(new Case(new StridedMask(l, SparsePattern.UNION),
                    (i, j, n) -> j <= i && (i - j < l || (i - j) % l == 0)));
            for (int cc = 1; cc <= l; cc++) {
                int c1 = cc;
                c.add(new Case(new FixedMask(l, c1, SparsePattern.ROW), (i, j, n) -> j <= i && j / l == i / l));
                c.add(new Case(new FixedMask(l, c1, SparsePattern.COLUMN), (i, j, n) -> j <= i && j % l >= l - c1));
                c.add(new Case(new FixedMask(l, c1, SparsePattern.UNION),
                        (i, j, n) -> j <= i && (j / l == i / l || j % l >= l - c1)));
            }
        }
        for (int p : new int[] {0, 1, 4, 9}) {
            c.add(new Case(new PrefixMask(p), (i, j, n) -> i < p ? j < p : j <= i));
        }
        for (int w : new int[] {2, 5}) {
            for (int[] g : new int[][] {{}, {0}, {0, 5}, {3, 11}}) {
                c.add(new Case(new LongformerMask(w, g, false), (i, j, n) -> has(g, i) || has(g, j) || Math.abs(i - j) <= w / 2));
                c.add(new Case(new LongformerMask(w, g, true),
                        (i, j, n) -> j <= i && (has(g, i) || has(g, j) || i - j < w)));
            }
        }
        return c.stream();
    }

    private static boolean has(int[] a, int v) {
        return Arrays.stream(a).anyMatch(x -> x == v);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matrixFollowsTheRule(Case c) {
        for (int n = 1; n <= 33; n++) {
            boolean[][] m = c.mask().matrix(n);
            int[] keys = new int[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean expected = c.rule().allowed(i, j, n);
                    assertEquals(expected, m[i][j], "n=" + n + " query " + i + " key " + j);
                    assertEquals(expected, c.mask().allowed(i, j, n), "predicate, n=" + n + " " + i + "," + j);
                }
                int count = c.mask().keys(i, n, keys);
                for (int k = 1; k < count; k++) {
                    assertTrue(keys[k - 1] < keys[k], "keys ascending and distinct");
                }
            }
            boolean anyLater = false;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    anyLater |= m[i][j];
                }
            }
            if (anyLater) {
                assertTrue(c.mask().looksAhead(), "a mask that sees later positions says so");
            }
        }
        assertEquals(c.mask(), MaskSpec.parse(c.mask().spec()), "the spec reads back as the same mask");
    }

    @Test
    void globalIsAllSixtyFourCellsForEight() {
        boolean[][] m = new GlobalMask().matrix(8);
        assertEquals(64, count(m));
    }

    @Test
    void stridedAndFixedAsThePaperDrawsThem() {
        // Sparse Transformer, Fig. 3: strided l = 4, n = 12 (row pattern ∪ column pattern).
        assertMatrix(new StridedMask(4, SparsePattern.UNION), 12, """
                x...........
                xx..........
                xxx.........
                xxxx........
                xxxxx.......
                .xxxxx......
                ..xxxxx.....
                ...xxxxx....
                x...xxxxx...
                .x...xxxxx..
                ..x...xxxxx.
                ...x...xxxxx""");
        // Fixed l = 4, c = 1, n = 16: own block plus the last cell of every earlier block.
        assertMatrix(new FixedMask(4, 1, SparsePattern.UNION), 16, """
                x...............
                xx..............
                xxx.............
                xxxx............
                ...xx...........
                ...xxx..........
                ...xxxx.........
                ...xxxxx........
                ...x...xx.......
                ...x...xxx......
                ...x...xxxx.....
                ...x...xxxxx....
                ...x...x...xx...
                ...x...x...xxx..
                ...x...x...xxxx.
                ...x...x...xxxxx""");
        // The two heads separately, n = 12.
        assertEquals(count(new StridedMask(4, SparsePattern.ROW).matrix(12))
                + count(new StridedMask(4, SparsePattern.COLUMN).matrix(12)) - 12,
                count(new StridedMask(4, SparsePattern.UNION).matrix(12)), "row and column share only the diagonal");
        assertMatrix(new FixedMask(4, 1, SparsePattern.COLUMN), 12, """
                ............
                ............
                ............
                ...x........
                ...x........
                ...x........
                ...x........
                ...x...x....
                ...x...x....
                ...x...x....
                ...x...x....
                ...x...x...x""");
        // n = 16: the window holds 1 + 2 + 3 + 13 * 4 = 58 cells; the column adds (i - j) = 4, 8, 12
        // below it: 4 * 1 + 4 * 2 + 4 * 3 = 24.
        assertEquals(58 + 24, count(new StridedMask(4, SparsePattern.UNION).matrix(16)));
    }

    @Test
    void localDilatedAndRandomForTwelve() {
        assertMatrix(new SlidingWindowMask(3, true), 12, """
                x...........
                xx..........
                xxx.........
                .xxx........
                ..xxx.......
                ...xxx......
                ....xxx.....
                .....xxx....
                ......xxx...
                .......xxx..
                ........xxx.
                .........xxx""");
        assertMatrix(new DilatedWindowMask(3, 2, true), 12, """
                x...........
                .x..........
                x.x.........
                .x.x........
                x.x.x.......
                .x.x.x......
                ..x.x.x.....
                ...x.x.x....
                ....x.x.x...
                .....x.x.x..
                ......x.x.x.
                .......x.x.x""");
        RandomMask random = new RandomMask(3, 42, false);
        boolean[][] m = random.matrix(12);
        for (boolean[] row : m) {
            assertEquals(3, count(new boolean[][] {row}), "exactly r keys per query");
        }
        assertArrayEquals(flat(m), flat(new RandomMask(3, 42, false).matrix(12)), "the seed reproduces the draw");
        assertNotEquals(Arrays.toString(flat(m)), Arrays.toString(flat(new RandomMask(3, 43, false).matrix(12))));
        boolean[][] causal = new RandomMask(3, 42, true).matrix(12);
        for (int i = 0; i < 12; i++) {
            assertEquals(Math.min(3, i + 1), count(new boolean[][] {causal[i]}));
            for (int j = i + 1; j < 12; j++) {
                assertTrue(!causal[i][j], "causal draws stay at j <= i");
            }
        }
        // Over many queries the draws cover the candidates evenly (each key ~ r/n of the time).
        int[] hits = new int[50];
        int[] keys = new int[50];
        for (int q = 0; q < 20000; q++) {
            int n = new RandomMask(5, 7, false).keys(q, 50, keys);
            for (int k = 0; k < n; k++) {
                hits[keys[k]]++;
            }
        }
        for (int h : hits) {
            assertEquals(2000, h, 250, "uniform draws");
        }
    }

    @Test
    void prefixLikeUniLm() {
        // t1..t4 are the prefix, t5..t8 the target (0-based positions 0..3 and 4..7).
        boolean[][] m = new PrefixMask(4).matrix(8);
        assertArrayEquals(new boolean[] {true, true, true, true, false, false, false, false}, m[2], "t3 sees t1..t4");
        assertArrayEquals(new boolean[] {true, true, true, true, true, true, true, false}, m[6], "t7 sees t1..t7, not t8");
    }

    @Test
    void bigBirdIsLongformerPlusRandom() {
        for (int n = 1; n <= 30; n++) {
            for (boolean causal : new boolean[] {false, true}) {
                BigBirdMask b = new BigBirdMask(3, new int[] {0, 7}, 2, 5, causal);
                boolean[][] bb = b.matrix(n);
                boolean[][] lf = new LongformerMask(3, new int[] {0, 7}, causal).matrix(n);
                boolean[][] rnd = new RandomMask(2, 5, causal).matrix(n);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(lf[i][j] || rnd[i][j], bb[i][j]);
                    }
                }
            }
        }
    }

    @Test
    void specsAndErrors() {
        assertEquals(new SlidingWindowMask(32, true), MaskSpec.parse("sliding:w=32"));
        assertEquals(new FixedMask(16, 4, SparsePattern.UNION), MaskSpec.parse("fixed:l=16,c=4"));
        assertEquals(new PrefixMask(12), MaskSpec.parse("prefix:p=12"));
        assertEquals(new BigBirdMask(16, new int[] {0}, 4, 1, false), MaskSpec.parse("bigbird:w=16,global=0,r=4,seed=1"));
        assertEquals(new StridedMask(8, SparsePattern.ROW), MaskSpec.parse("strided:l=8,head=row"));
        assertThrows(IllegalArgumentException.class, () -> MaskSpec.parse("sliding"), "w is required");
        var e = assertThrows(IllegalArgumentException.class, () -> MaskSpec.parse("sliding:w=3,q=2"));
        assertTrue(e.getMessage().contains("not 'q'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskSpec.parse("windowed:w=3"));
        assertTrue(e.getMessage().contains("unknown mask 'windowed'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskSpec.parse("fixed:l=4,c=5"));
        assertTrue(e.getMessage().contains("c must be in 1..l"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskSpec.parse("strided:l=4,head=split"));
        assertTrue(e.getMessage().contains("alternating heads"), e.getMessage());
    }

    @Test
    void plansAssignMasksPerLayerAndHead() {
        MaskPlan plan = MaskPlan.parse("L0-1@sliding:w=4;L3-@global;L1H2@prefix:p=3", MaskPlan.causal());
        assertEquals(new SlidingWindowMask(4, true), plan.mask(0, 5));
        assertEquals(new SlidingWindowMask(4, true), plan.mask(1, 1));
        assertEquals(new PrefixMask(3), plan.mask(1, 2), "the later entry wins");
        assertEquals(new CausalMask(), plan.mask(2, 0), "uncovered layers keep the model's own mask");
        assertEquals(new GlobalMask(), plan.mask(9, 7));
        assertTrue(plan.looksAhead(4, 8));
        assertTrue(!MaskPlan.parse("L0-1@sliding:w=4", MaskPlan.causal()).looksAhead(4, 8));

        MaskPlan split = MaskPlan.parse("strided:l=8,head=split", MaskPlan.causal());
        assertEquals(new StridedMask(8, SparsePattern.ROW), split.mask(0, 0));
        assertEquals(new StridedMask(8, SparsePattern.COLUMN), split.mask(0, 1));
        assertEquals(new StridedMask(8, SparsePattern.ROW), split.mask(3, 6));
        MaskPlan heads = MaskPlan.parse("Hodd@fixed:l=4,c=1,head=column;Heven@fixed:l=4,c=1,head=row", null);
        assertEquals(new FixedMask(4, 1, SparsePattern.COLUMN), heads.mask(2, 3));
        assertEquals(new FixedMask(4, 1, SparsePattern.ROW), heads.mask(2, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> MaskPlan.parse("X0@causal", null));
        assertTrue(e.getMessage().contains("selector"), e.getMessage());
    }

    private static void assertMatrix(AttentionMask mask, int n, String expected) {
        String[] rows = expected.strip().split("\n");
        boolean[][] m = mask.matrix(n);
        for (int i = 0; i < n; i++) {
            StringBuilder actual = new StringBuilder();
            for (int j = 0; j < n; j++) {
                actual.append(m[i][j] ? 'x' : '.');
            }
            assertEquals(rows[i].strip(), actual.toString(), mask.spec() + " row " + i);
        }
    }

    private static int count(boolean[][] m) {
        int c = 0;
        for (boolean[] row : m) {
            for (boolean b : row) {
                c += b ? 1 : 0;
            }
        }
        return c;
    }

    private static boolean[] flat(boolean[][] m) {
        boolean[] out = new boolean[m.length * m.length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m.length, m.length);
        }
        return out;
    }
}
