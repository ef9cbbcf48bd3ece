package org.llmexplorer.engine.compute.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the SIMD kernels use, taken from the hardware: floats at the preferred
 * width (capped at 16 lanes, so that one 16-byte load of quantized codes fills whole float
 * vectors), and 16-byte vectors of quantized codes.
 *
 * <p>Two habits every kernel shares. Codes become floats through the mantissa of 2^23: a code v
 * (below 2^23) set into the mantissa of 2^23 reads as the float 2^23 + v, so an "or" and a
 * subtraction replace an int-to-float conversion, and compile to vector code in every context;
 * bytes are widened to 32-bit lanes before nibbles are cut out, since x86 has no byte shifts.
 * And the loads and unpacking are written out in each method rather than shared through helpers
 * that return vectors: when such a helper is compiled on its own and not inlined, its vectors
 * are boxed into heap objects, and the kernel runs several times slower.
 */
public final class Lanes {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Float lanes per vector: 16 with AVX-512, 8 with AVX2, 4 with NEON or SSE. */
    public static final int L = F.length();
    /** Sixteen bytes of quantized codes. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Float vectors one 16-byte code vector converts into. */
    static final int PARTS = 16 / L;
    /**
     * Bytes, as many as float lanes (at least 8): widened to int lanes with part 0 only, which
     * compiles to one instruction wherever it sits. Needs at least 8 float lanes to fit exactly.
     */
    static final VectorSpecies<Byte> BL = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));

    // Shuffles pairing lane i with lane i ^ s, for the fixed-order sum below.
    private static final VectorShuffle<Float> SWAP8 = L >= 16 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> SWAP4 = L >= 8 ? VectorShuffle.fromOp(F, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    private Lanes() {
    }

    /**
     * The sum of the lanes, always added in the same tree order. {@code reduceLanes(ADD)} leaves
     * the order to the implementation, and the interpreter and the JIT choose differently, which
     * would make results depend on how warm the JVM is.
     */
    public static float sum(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(SWAP8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(SWAP4));
        }
        v = v.add(v.rearrange(SWAP2));
        v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    /** Whether SIMD kernels can run here at all (at least 4 float lanes). */
    static boolean usable() {
        return L >= 4;
    }
}
