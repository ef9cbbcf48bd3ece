package org.llmexplorer.engine.compute.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the SIMD kernels use, taken from the hardware: floats at the preferred
 * width (capped at 16 lanes, so that one 16-byte load of quantized codes fills whole float
 * vectors), and 16-byte vectors of quantized codes.
 */
final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Float lanes per vector: 16 with AVX-512, 8 with AVX2, 4 with NEON or SSE. */
    static final int L = F.length();
    /** Sixteen bytes of quantized codes. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Float vectors one 16-byte code vector converts into. */
    static final int PARTS = 16 / L;

    private Lanes() {
    }

    /** Whether SIMD kernels can run here at all (at least 4 float lanes). */
    static boolean usable() {
        return L >= 4;
    }
}
