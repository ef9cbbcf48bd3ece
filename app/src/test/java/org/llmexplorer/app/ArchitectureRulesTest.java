package org.llmexplorer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layer rules of docs/ARCHITECTURE.md, checked on the sources of every module: which
 * packages may use which, and no cycles between packages (a package and its sub-packages count
 * as one, e.g. {@code compute} with {@code compute.simd}).
 */
class ArchitectureRulesTest {
    static final Path ROOT = Path.of("");  // tests run in the repository root
    static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** Qualified names in code: imports and inline uses such as org.llmexplorer.engine.model.Model. */
    static final Pattern REFERENCE = Pattern.compile("\\b((?:org\\.llmexplorer|javafx|org\\.lwjgl)(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    record Source(Path file, String pkg, Set<String> uses) {
    }

    static List<Source> sources(String module) throws IOException {
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String code = codeOnly(Files.readString(f));
                Matcher p = PACKAGE.matcher(code);
                assertTrue(p.find(), f + " has no package line");
                Set<String> uses = new TreeSet<>();
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    uses.add(m.group(1));
                }
                out.add(new Source(f, p.group(1), uses));
            }
        }
        return out;
    }

    /** The source without comments, string and character literals (a class named in a string is no dependency). */
    static String codeOnly(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                i = s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i);
            } else if (s.startsWith("/*", i)) {
                i = s.indexOf("*/", i + 2) < 0 ? s.length() : s.indexOf("*/", i + 2) + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                i = s.indexOf("\"\"\"", i + 3) < 0 ? s.length() : s.indexOf("\"\"\"", i + 3) + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append("\"\"");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    static List<String> violations(List<Source> sources, String fromPrefix, String forbiddenPrefix) {
        List<String> bad = new ArrayList<>();
        for (Source s : sources) {
            if (!s.pkg().startsWith(fromPrefix)) {
                continue;
            }
            for (String u : s.uses()) {
                if (u.equals(forbiddenPrefix) || u.startsWith(forbiddenPrefix + ".")) {
                    bad.add(ROOT.relativize(s.file()) + " uses " + u);
                }
            }
        }
        return bad;
    }

    @Test
    void theEngineKnowsNoUserInterfaceNoDeviceLibraryAndNoOtherModule() throws IOException {
        List<Source> engine = sources("engine");
        for (String forbidden : List.of("javafx", "org.lwjgl", "org.llmexplorer.app", "org.llmexplorer.opencl",
                "org.llmexplorer.server")) {
            assertEquals(List.of(), violations(engine, "org.llmexplorer.engine", forbidden));
        }
    }

    @Test
    void theOpenClBackendKnowsNoUserInterface() throws IOException {
        List<Source> opencl = sources("opencl");
        assertEquals(List.of(), violations(opencl, "org.llmexplorer.opencl", "javafx"));
        assertEquals(List.of(), violations(opencl, "org.llmexplorer.opencl", "org.llmexplorer.app"));
    }

    @Test
    void theServerKnowsNoUserInterfaceAndNoDevice() throws IOException {
        List<Source> server = sources("server");
        for (String forbidden : List.of("javafx", "org.lwjgl", "org.llmexplorer.app", "org.llmexplorer.opencl")) {
            assertEquals(List.of(), violations(server, "org.llmexplorer.server", forbidden));
        }
        // views reach the server, like the engine, only through view models
        List<Source> views = sources("app").stream().filter(x -> x.pkg().equals("org.llmexplorer.app.view")).toList();
        assertEquals(List.of(), violations(views, "org.llmexplorer.app.view", "org.llmexplorer.server"));
    }

    @Test
    void viewModelsKnowNoViewsAndViewsReachTheEngineOnlyThroughViewModels() throws IOException {
        List<Source> app = sources("app");
        assertEquals(List.of(), violations(app, "org.llmexplorer.app.viewmodel", "org.llmexplorer.app.view"));
        assertEquals(List.of(), violations(app, "org.llmexplorer.app.viewmodel", "javafx.scene"));
        assertEquals(List.of(), violations(app, "org.llmexplorer.app.store", "javafx"));
        for (Source s : app) {
            if (s.pkg().equals("org.llmexplorer.app.view")) {
                String code = codeOnly(Files.readString(s.file()));
                assertTrue(!code.contains("ChatSession"), s.file() + " talks to the session directly");
            }
        }
    }

    @Test
    void noCyclesBetweenPackages() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String module : List.of("engine", "opencl", "server", "app")) {
            for (Source s : sources(module)) {
                String from = unit(s.pkg());
                Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
                for (String u : s.uses()) {
                    if (u.startsWith("org.llmexplorer") && !unit(u).equals(from)) {
                        to.add(unit(u));
                    }
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            List<String> path = cycleThrough(start, graph);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertEquals(List.of(), cycles, "package cycles (each listed from each of its members)");
    }

    /** A package with its sub-packages: engine.compute.simd belongs to engine.compute. */
    static String unit(String pkg) {
        String[] parts = pkg.split("\\.");
        int keep = parts.length >= 3 && parts[2].equals("engine") || parts.length >= 3 && parts[2].equals("app") ? 4 : 3;
        return String.join(".", java.util.Arrays.copyOf(parts, Math.min(keep, parts.length)));
    }

    /** A path from start back to itself, or null. */
    static List<String> cycleThrough(String start, Map<String, Set<String>> graph) {
        java.util.ArrayDeque<List<String>> todo = new java.util.ArrayDeque<>();
        todo.add(List.of(start));
        Set<String> seen = new TreeSet<>();
        while (!todo.isEmpty()) {
            List<String> path = todo.poll();
            for (String next : graph.getOrDefault(path.getLast(), Set.of())) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(start)) {
                    return longer;
                }
                if (seen.add(next)) {
                    todo.add(longer);
                }
            }
        }
        return null;
    }
}
