package org.llmexplorer.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufValue.GgufArray;
import org.llmexplorer.engine.tensor.GgmlType;

class GgufRoundTripTest {

    @Test
    void rewritingTheStoriesModelGivesTheSameBytes(@TempDir Path dir) throws Exception {
        Path original = Shared.path("models/stories260K.gguf");
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(original)) {
            GgufWriter w = new GgufWriter().version(f.version()).putAll(f.metadata());
            for (GgufTensorInfo t : f.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), GgufWriter.TensorSource.of(f.data(t)));
            }
            w.write(copy);
            try (GgufFile g = GgufFile.open(copy)) {
                assertEquals(f.metadata(), g.metadata());
                assertEquals(f.tensors(), g.tensors());
            }
        }
        // llama.cpp's writer lays tensors out in order, each at the next aligned offset, and so do we.
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }

    @ParameterizedTest(name = "GGUF v{0}")
    @ValueSource(ints = {2, 3})
    void everyValueTypeAndTensorTypeRoundTrips(int version, @TempDir Path dir) throws Exception {
        GgufWriter w = new GgufWriter().version(version);
        w.put("general.alignment", GgufValue.ofUInt32(64));
        w.put("u8", new GgufValue(GgufValueType.UINT8, 255));
        w.put("i8", new GgufValue(GgufValueType.INT8, -128));
        w.put("u16", new GgufValue(GgufValueType.UINT16, 65535));
        w.put("i16", new GgufValue(GgufValueType.INT16, -32768));
        w.put("u32", new GgufValue(GgufValueType.UINT32, 4294967295L));
        w.put("i32", new GgufValue(GgufValueType.INT32, Integer.MIN_VALUE));
        w.put("f32", GgufValue.ofFloat32(-1.5e-7f));
        w.put("bool", GgufValue.ofBool(true));
        w.put("string", GgufValue.ofString("héllo ▁ 😀"));
        w.put("u64", new GgufValue(GgufValueType.UINT64, -1L));
        w.put("i64", new GgufValue(GgufValueType.INT64, Long.MIN_VALUE));
        w.put("f64", new GgufValue(GgufValueType.FLOAT64, Math.PI));
        w.put("bools", GgufValue.ofArray(new GgufArray(GgufValueType.BOOL, new boolean[] {true, false, true})));
        w.put("u8s", GgufValue.ofArray(new GgufArray(GgufValueType.UINT8, new int[] {0, 7, 255})));
        w.put("i16s", GgufValue.ofArray(new GgufArray(GgufValueType.INT16, new int[] {-5, 0, 32767})));
        w.put("f32s", GgufValue.ofArray(new GgufArray(GgufValueType.FLOAT32, new float[] {1f, -2f, Float.NaN})));
        w.put("f64s", GgufValue.ofArray(new GgufArray(GgufValueType.FLOAT64, new double[] {1e300, -0.0})));
        w.put("u64s", GgufValue.ofArray(new GgufArray(GgufValueType.UINT64, new long[] {1L << 60})));
        w.put("empty", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, new String[0])));
        w.put("nested", GgufValue.ofArray(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
            new GgufArray(GgufValueType.STRING, new String[] {"a", "bc"}),
            new GgufArray(GgufValueType.STRING, new String[] {}),
            new GgufArray(GgufValueType.ARRAY, new GgufArray[] {new GgufArray(GgufValueType.INT32, new int[] {42})})})));

        float[] f32 = {1f, 2f, 3f};
        byte[] q8 = bytes(2 * 34, 3);
        byte[] q4 = bytes(18, 5);
        byte[] f16 = bytes(2 * 4, 7);
        w.addTensor("a.f32", GgmlType.F32, new long[] {3}, GgufWriter.TensorSource.ofFloats(f32));
        w.addTensor("b.q8", GgmlType.Q8_0, new long[] {32, 2}, GgufWriter.TensorSource.of(
                java.lang.foreign.MemorySegment.ofArray(q8)));
        w.addTensor("c.q4", GgmlType.Q4_0, new long[] {32, 1, 1, 1}, GgufWriter.TensorSource.of(
                java.lang.foreign.MemorySegment.ofArray(q4)));
        w.addTensor("d.f16", GgmlType.F16, new long[] {2, 2}, GgufWriter.TensorSource.of(
                java.lang.foreign.MemorySegment.ofArray(f16)));
        Path file = dir.resolve("all.gguf");
        w.write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(version, f.version());
            assertEquals(64, f.alignment());
            Map<String, GgufValue> m = f.metadata();
            assertEquals(List.of("general.alignment", "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string",
                    "u64", "i64", "f64", "bools", "u8s", "i16s", "f32s", "f64s", "u64s", "empty", "nested"),
                    new ArrayList<>(m.keySet()));
            assertEquals(255, m.get("u8").value());
            assertEquals(-128, m.get("i8").value());
            assertEquals(65535, m.get("u16").value());
            assertEquals(4294967295L, m.get("u32").value());
            assertEquals(-1L, m.get("u64").value());
            assertEquals(Math.PI, m.get("f64").value());
            assertEquals("héllo ▁ 😀", m.get("string").value());
            GgufArray nested = (GgufArray) m.get("nested").value();
            GgufArray[] inner = (GgufArray[]) nested.values();
            assertArrayEquals(new String[] {"a", "bc"}, inner[0].strings());
            assertEquals(0, inner[1].length());
            assertArrayEquals(new int[] {42}, ((GgufArray[]) inner[2].values())[0].ints());
            assertEquals(Float.floatToIntBits(Float.NaN), Float.floatToIntBits(((GgufArray) m.get("f32s").value()).floats()[2]));

            assertEquals(4, f.tensors().size());
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % 64, t.name());
            }
            assertArrayEquals(f32, f.data(f.tensor("a.f32").orElseThrow()).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            assertArrayEquals(q8, f.data(f.tensor("b.q8").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(q4, f.data(f.tensor("c.q4").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(f16, f.data(f.tensor("d.f16").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new long[] {32, 1, 1, 1}, f.tensor("c.q4").orElseThrow().shape());

            // And writing what was read gives the same file again.
            Path again = dir.resolve("again.gguf");
            GgufWriter w2 = new GgufWriter().version(version).putAll(m);
            for (GgufTensorInfo t : f.tensors()) {
                w2.addTensor(t.name(), t.type(), t.shape(), GgufWriter.TensorSource.of(f.data(t)));
            }
            w2.write(again);
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
