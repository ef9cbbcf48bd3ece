package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.ModuleTree;
import org.llmexplorer.engine.tokenizer.Vocabulary;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx info}: what is in a GGUF file. */
@picocli.CommandLine.Command(name = "info",
        description = "architecture, hyperparameters, tokenizer, tensors, module tree of a GGUF file")
final class InfoCommand implements Command {
    @Mixin
    private ModelOption model;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        try (GgufFile file = GgufFile.open(model.path())) {
            Map<String, Object> info = describe(file);
            if (json) {
                out.println(Json.write(info));
            } else {
                printText(info, out);
            }
        }
        return 0;
    }

    static Map<String, Object> describe(GgufFile file) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("file", file.path().toString());
        info.put("file_bytes", file.fileSize());
        info.put("gguf_version", file.version());
        info.put("alignment", file.alignment());
        String arch = file.string("general.architecture").orElse(null);
        info.put("architecture", arch);
        info.put("name", file.string("general.name").orElse(null));

        Map<String, Object> hyper = new TreeMap<>();
        if (arch != null) {
            file.metadata().forEach((k, v) -> {
                if (k.startsWith(arch + ".")) {
                    hyper.put(k.substring(arch.length() + 1), scalarOrSummary(v));
                }
            });
        }
        info.put("hyperparameters", hyper);

        Map<String, Object> tok = new LinkedHashMap<>();
        try {
            Vocabulary v = Vocabulary.from(file);
            tok.put("model", v.model());
            file.string("tokenizer.ggml.pre").ifPresent(p -> tok.put("pre", p));
            tok.put("vocab_size", v.size());
            tok.put("bos_id", v.bos());
            tok.put("eos_id", v.eos());
            tok.put("unknown_id", v.unknown());
            tok.put("add_bos", v.addBos());
            tok.put("add_eos", v.addEos());
            tok.put("add_space_prefix", v.addSpacePrefix());
            tok.put("has_chat_template", file.string("tokenizer.chat_template").isPresent());
        } catch (Exception e) {
            tok.put("error", e.getMessage());
        }
        info.put("tokenizer", tok);

        List<Map<String, Object>> tensors = new ArrayList<>();
        long params = 0;
        long bytes = 0;
        Map<String, Long> typeCounts = new TreeMap<>();
        for (GgufTensorInfo t : file.tensors()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", t.name());
            e.put("type", t.type().name());
            e.put("shape", t.shape());
            e.put("bytes", t.byteSize());
            tensors.add(e);
            params += t.elementCount();
            bytes += t.byteSize();
            typeCounts.merge(t.type().name(), 1L, Long::sum);
        }
        info.put("parameters", params);
        info.put("tensor_bytes", bytes);
        info.put("tensor_types", typeCounts);
        info.put("tensors", tensors);

        Map<String, Object> metadata = new LinkedHashMap<>();
        file.metadata().forEach((k, v) -> metadata.put(k, scalarOrSummary(v)));
        info.put("metadata", metadata);
        try {
            ModelConfig config = ModelConfig.from(file);
            info.put("trained_attention_mask", config.trainedMask().spec());
            info.put("module_tree", ModuleTree.of(config, file));
        } catch (Exception e) {
            info.put("module_tree", null);
        }
        return info;
    }

    private static Object scalarOrSummary(GgufValue v) {
        if (v.value() instanceof GgufValue.GgufArray a) {
            return a.length() <= 16 ? a.values() : a.toString();
        }
        if (v.value() instanceof String s && s.length() > 200) {
            return s.substring(0, 200) + "... (" + s.length() + " chars)";
        }
        return v.value();
    }

    @SuppressWarnings("unchecked")
    private static void printText(Map<String, Object> info, PrintStream out) {
        out.printf("file:          %s (%,d bytes, GGUF v%s)%n", info.get("file"), info.get("file_bytes"),
                info.get("gguf_version"));
        out.printf("architecture:  %s%n", info.get("architecture"));
        out.printf("name:          %s%n", info.get("name"));
        out.printf("parameters:    %,d (%,d bytes of tensors; %s)%n", info.get("parameters"), info.get("tensor_bytes"),
                info.get("tensor_types"));
        out.println("hyperparameters:");
        ((Map<String, Object>) info.get("hyperparameters")).forEach((k, v) -> out.printf("  %-40s %s%n", k, v));
        out.println("tokenizer:");
        ((Map<String, Object>) info.get("tokenizer")).forEach((k, v) -> out.printf("  %-40s %s%n", k, v));
        out.println("tensors:");
        for (Map<String, Object> t : (List<Map<String, Object>>) info.get("tensors")) {
            out.printf("  %-36s %-6s %-22s %,14d bytes%n", t.get("name"), t.get("type"),
                    java.util.Arrays.toString((long[]) t.get("shape")), t.get("bytes"));
        }
        if (info.get("trained_attention_mask") != null) {
            out.printf("attention:     %s (the mask the model was trained with)%n", info.get("trained_attention_mask"));
        }
        if (info.get("module_tree") != null) {
            out.println("module tree:");
            out.println(info.get("module_tree"));
        }
    }
}
