package org.llmexplorer.engine.train;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * Everything a run needs to go on exactly where it stopped, in one GGUF file: the parameters and
 * both Adam moments in F32 ({@code adam.m.NAME}, {@code adam.v.NAME}), the step, the settings
 * and the tokenizer. The data order follows from the step, so nothing else is needed. The file is
 * written beside its final name and moved into place, so a crash never leaves half a checkpoint.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.gguf";
    static final String STEP_KEY = "train.step";
    static final String SETTINGS_KEY = "train.settings";

    private Checkpoint() {
    }

    public static Path file(Path dir) {
        return dir.resolve(FILE);
    }

    static void save(Path dir, LlamaParameters params, AdamW adam, long step, String settingsJson,
                     Map<String, GgufValue> tokenizer) throws IOException {
        Files.createDirectories(dir);
        GgufWriter w = new GgufWriter();
        w.put(STEP_KEY, GgufValue.ofUInt32(step));
        w.put(SETTINGS_KEY, GgufValue.ofString(settingsJson));
        w.put("train.adam_step", GgufValue.ofUInt32(adam.step));
        w.putAll(tokenizer);
        List<Parameter> all = params.all();
        for (int i = 0; i < all.size(); i++) {
            Parameter p = all.get(i);
            w.addTensor(p.name(), GgmlType.F32, p.shape(), GgufWriter.TensorSource.ofFloats(p.value()));
            w.addTensor("adam.m." + p.name(), GgmlType.F32, p.shape(), GgufWriter.TensorSource.ofFloats(adam.m[i]));
            w.addTensor("adam.v." + p.name(), GgmlType.F32, p.shape(), GgufWriter.TensorSource.ofFloats(adam.v[i]));
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        w.write(tmp);
        Files.move(tmp, file(dir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The settings a checkpoint was written with (JSON text). */
    public static String settings(Path dir) throws IOException {
        try (GgufFile f = GgufFile.open(file(dir))) {
            return f.string(SETTINGS_KEY).orElseThrow(() -> new IOException(file(dir) + " is not a checkpoint"));
        }
    }

    /** Loads parameters and moments into objects of the checkpoint's shape; returns the step to continue from. */
    static long load(Path dir, LlamaParameters params, AdamW adam) throws IOException {
        try (GgufFile f = GgufFile.open(file(dir))) {
            List<Parameter> all = params.all();
            for (int i = 0; i < all.size(); i++) {
                Parameter p = all.get(i);
                read(f, p.name(), p.value());
                read(f, "adam.m." + p.name(), adam.m[i]);
                read(f, "adam.v." + p.name(), adam.v[i]);
            }
            adam.step = f.integer("train.adam_step").orElseThrow();
            return f.integer(STEP_KEY).orElseThrow();
        }
    }

    private static void read(GgufFile f, String name, float[] into) throws IOException {
        GgufTensorInfo t = f.tensor(name).orElseThrow(() -> new IOException("checkpoint has no tensor " + name));
        if (t.type() != GgmlType.F32 || t.elementCount() != into.length) {
            throw new IOException("checkpoint tensor " + name + " has shape " + t.shapeString() + ", expected "
                    + into.length + " F32 values");
        }
        java.lang.foreign.MemorySegment.copy(f.data(t), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, into, 0, into.length);
    }
}
