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
    public double typicalP = 1.0;
    public double repeatPenalty = 1.0;
    public double presencePenalty = 0;
    public double frequencyPenalty = 0;
    /** Sampler stages in the order they run; those in {@link #stagesOff} are switched off. */
    public List<String> stageOrder = new ArrayList<>();
    public List<String> stagesOff = new ArrayList<>();
    /** Logit bias as written in the panel, e.g. {@code ' the'=-5, 13=+2}. */
    public String logitBias = "";
    public int maxTokens = 200;
    public long seed = 42;
    public boolean seedLocked;
    public int beams = 1;
    public int contextLimit = 2048;
    /** How the KV cache stores keys and values: F32, F16 (half the memory) or Q8_0 (about a quarter). */
    public String kvCache;
    /** Written beside kvCache for earlier versions, which had only a half-precision switch; read when kvCache is absent. */
    public boolean halfKvCache;
    public String mask = "";
    /** The compute backend as {@code Backends.create} names it. */
    public String backend = "auto";
    /** Threads of the CPU backend (and of a device backend's host work); 0: one per core. */
    public int cpuThreads;
    /** The OpenAI-compatible server last connected to (the key is never stored). */
    public String remoteAddress = "";
    /** The conversation open when the application last closed (its id in the history). */
    public String lastChat;
    /** Window layout: the two dividers of the main split, which side panels are open, the window size. */
    public double[] dividers = {0.2, 0.58};
    public boolean sidebarOpen = true;
    public boolean inspectorOpen = true;
    public double windowWidth = 1360;
    public double windowHeight = 820;

    public void remember(String model) {
        recentModels.remove(model);
        recentModels.addFirst(model);
        while (recentModels.size() > 10) {
            recentModels.removeLast();
        }
        lastModel = model;
    }
}
