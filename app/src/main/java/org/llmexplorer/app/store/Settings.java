package org.llmexplorer.app.store;

import java.util.ArrayList;
import java.util.List;

/**
 * What the application remembers between runs. A mutable bean so that Jackson can read files
 * written by older versions (missing fields keep their defaults).
 */
public final class Settings {
    public String theme = "light";
    public List<String> recentModels = new ArrayList<>();
    public String lastModel;
    public double temperature = 0.8;
    public int topK = 40;
    public double topP = 0.95;
    public double minP = 0.05;
    public double repeatPenalty = 1.0;
    public int maxTokens = 200;
    public long seed = 42;
    public boolean seedLocked;
    public int beams = 1;
    public int contextLimit = 2048;
    public String mask = "";
    /** The compute backend as {@code Backends.create} names it. */
    public String backend = "auto";

    public void remember(String model) {
        recentModels.remove(model);
        recentModels.addFirst(model);
        while (recentModels.size() > 10) {
            recentModels.removeLast();
        }
        lastModel = model;
    }
}
