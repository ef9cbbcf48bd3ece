package org.llmexplorer.engine.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line options of the form {@code --name value} and {@code --flag}, checked against what a command accepts. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    public Args(List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagOptions.contains(name) && inline == null) {
                flags.add(name);
            } else if (valueOptions.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    inline = args.get(++i);
                }
                values.put(name, inline);
                repeated.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(inline);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    /** Every value given for an option that may be repeated, in order. */
    public List<String> all(String name) {
        return repeated.getOrDefault(name, List.of());
    }

    /**
     * The compute backend of --backend (default simd), with --device for opencl written as
     * opencl:DEVICE, which is how {@link org.llmexplorer.engine.compute.Backends#create} takes it.
     */
    public String backend() {
        String backend = string("backend", org.llmexplorer.engine.compute.Backends.DEFAULT);
        if (!has("device")) {
            return backend;
        }
        if (!backend.equals("opencl")) {
            throw new UsageException("--device picks an OpenCL device: it goes with --backend opencl");
        }
        return backend + ":" + values.get("device");
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("option --" + name + " is required");
        }
        return v;
    }

    public int integer(String name, int fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " needs a whole number, got '" + v + "'");
        }
    }

    public long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " needs a whole number, got '" + v + "'");
        }
    }

    public float number(String name, float fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " needs a number, got '" + v + "'");
        }
    }
}
