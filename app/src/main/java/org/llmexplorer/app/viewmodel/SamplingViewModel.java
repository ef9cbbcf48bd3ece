package org.llmexplorer.app.viewmodel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.collections.ObservableSet;
import javafx.collections.SetChangeListener;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.sampling.SamplingSettings;

/**
 * The sampling parameters the panel edits: the stages' values, their order and which are on,
 * logit bias, and the generation settings (max tokens, seed, beams). Every change is announced
 * to {@code onChange}, which pushes the settings to the session and re-samples the selected step.
 */
public final class SamplingViewModel {
    public static final Map<String, double[]> PRESETS = new LinkedHashMap<>();

    static {
        // temperature, top-k, top-p, min-p, repeat penalty
        PRESETS.put("Precise", new double[] {0.2, 20, 0.9, 0.1, 1.0});
        PRESETS.put("Balanced", new double[] {0.8, 40, 0.95, 0.05, 1.0});
        PRESETS.put("Creative", new double[] {1.2, 100, 0.98, 0.02, 1.05});
        PRESETS.put("Greedy", new double[] {0.0, 40, 0.95, 0.05, 1.0});
    }

    /** What each stage does, in a sentence, for tooltips and the order list. */
    public static final Map<String, String> STAGE_HELP = Map.of(
            "logit_bias", "adds the logit bias below to chosen tokens",
            "penalties", "makes tokens already in the text less likely (repetition, presence, frequency)",
            "top_k", "keeps the k most likely tokens",
            "typical_p", "keeps tokens whose surprise is close to the average surprise",
            "top_p", "keeps the most likely tokens until their probabilities add up to p",
            "min_p", "drops tokens less likely than min-p times the most likely one",
            "temperature", "divides the logits: below 1 sharpens, above 1 flattens; 0 is greedy");

    public final DoubleProperty temperature = new SimpleDoubleProperty(0.8);
    public final IntegerProperty topK = new SimpleIntegerProperty(40);
    public final DoubleProperty topP = new SimpleDoubleProperty(0.95);
    public final DoubleProperty minP = new SimpleDoubleProperty(0.05);
    public final DoubleProperty typicalP = new SimpleDoubleProperty(1.0);
    public final DoubleProperty repeatPenalty = new SimpleDoubleProperty(1.0);
    public final DoubleProperty presencePenalty = new SimpleDoubleProperty(0);
    public final DoubleProperty frequencyPenalty = new SimpleDoubleProperty(0);
    /** Every stage, in the order they run; those in {@link #stagesOff} are switched off. */
    public final ObservableList<String> stageOrder = FXCollections.observableArrayList(SamplingSettings.DEFAULT_ORDER);
    public final ObservableSet<String> stagesOff = FXCollections.observableSet();
    /** Logit bias as written (see {@link LogitBiasText}). */
    public final StringProperty logitBias = new SimpleStringProperty("");
    public final IntegerProperty maxTokens = new SimpleIntegerProperty(200);
    public final LongProperty seed = new SimpleLongProperty(42);
    public final BooleanProperty seedLocked = new SimpleBooleanProperty(false);
    public final IntegerProperty beams = new SimpleIntegerProperty(1);
    /** The KV cache in half precision: half its memory, rounded as llama.cpp's default cache. */
    /** How the next conversation's KV cache stores keys and values. */
    public final ObjectProperty<KvCache.Type> kvCache = new SimpleObjectProperty<>(KvCache.Type.F32);
    /** The most tokens a conversation holds (at most the model's own context); older turns slide out. */
    public final IntegerProperty contextLimit = new SimpleIntegerProperty(2048);

    private final ReadOnlyStringWrapper biasError = new ReadOnlyStringWrapper("");
    private Map<Integer, Float> biasIds = Map.of();
    private Function<String, CompletableFuture<int[]>> tokenizer = t -> CompletableFuture.failedFuture(
            new IllegalStateException("no model is open"));
    private Runnable onChange = () -> { };
    private int biasVersion;

    public SamplingViewModel() {
        for (ObservableValue<?> p : List.of(temperature, topK, topP, minP, typicalP, repeatPenalty, presencePenalty,
                frequencyPenalty, maxTokens, seed, seedLocked, beams, kvCache, contextLimit)) {
            p.addListener((o, a, b) -> onChange.run());
        }
        stageOrder.addListener((ListChangeListener<String>) c -> onChange.run());
        stagesOff.addListener((SetChangeListener<String>) c -> onChange.run());
        logitBias.addListener((o, a, b) -> resolveBias(b));
    }

    public void onChange(Runnable r) {
        this.onChange = r;
    }

    /** How token texts of the logit bias become ids (the open model's tokenizer, off the UI thread). */
    void tokenizer(Function<String, CompletableFuture<int[]>> t, java.util.concurrent.Executor ui) {
        this.tokenizer = text -> t.apply(text).thenApplyAsync(ids -> ids, ui);
    }

    /** What is wrong with the logit bias text ("" when nothing). */
    public ReadOnlyStringProperty biasErrorProperty() {
        return biasError.getReadOnlyProperty();
    }

    /** The bias by token id, as the chain uses it. */
    public Map<Integer, Float> biasIds() {
        return biasIds;
    }

    /** Reads the bias text; token texts are looked up (each must be one token), then the settings change. */
    CompletableFuture<Void> resolveBias(String text) {
        int version = ++biasVersion;
        List<LogitBiasText.Entry> entries;
        try {
            entries = LogitBiasText.parse(text);
        } catch (IllegalArgumentException e) {
            biasError.set(e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<int[]>> lookups = new ArrayList<>();
        for (LogitBiasText.Entry e : entries) {
            lookups.add(e.text() == null ? CompletableFuture.completedFuture(new int[] {e.id()}) : tokenizer.apply(e.text()));
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).handle((x, error) -> {
            if (version != biasVersion) {
                return null; // a newer text is being read
            }
            if (error != null) {
                biasError.set("logit bias: " + (error.getCause() != null ? error.getCause().getMessage() : error.getMessage()));
                return null;
            }
            Map<Integer, Float> map = new HashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                int[] ids = lookups.get(i).join();
                LogitBiasText.Entry e = entries.get(i);
                if (ids.length != 1) {
                    biasError.set("logit bias: '" + e.text() + "' is " + ids.length + " tokens here; bias applies to one "
                            + "token (try a shorter text, or its id)");
                    return null;
                }
                map.put(ids[0], e.bias());
            }
            biasError.set("");
            biasIds = Map.copyOf(map);
            onChange.run();
            return null;
        });
    }

    public SamplingSettings settings() {
        List<String> order = stageOrder.stream().filter(s -> !stagesOff.contains(s)).toList();
        return new SamplingSettings((float) clamp(temperature.get(), 0, 5), Math.max(0, topK.get()),
                (float) clamp(topP.get(), 0.001, 1), (float) clamp(minP.get(), 0, 1), (float) clamp(typicalP.get(), 0.001, 1),
                (float) clamp(repeatPenalty.get(), 0.5, 3), 64, (float) clamp(frequencyPenalty.get(), -2, 2),
                (float) clamp(presencePenalty.get(), -2, 2), biasIds, seed.get(), order);
    }

    /** Moves a stage one place earlier (-1) or later (+1) in the chain. */
    public void move(String stage, int by) {
        int i = stageOrder.indexOf(stage);
        int j = i + by;
        if (i >= 0 && j >= 0 && j < stageOrder.size()) {
            List<String> next = new ArrayList<>(stageOrder);
            next.remove(i);
            next.add(j, stage);
            stageOrder.setAll(next);
        }
    }

    public void preset(String name) {
        double[] v = PRESETS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no preset " + name);
        }
        temperature.set(v[0]);
        topK.set((int) v[1]);
        topP.set(v[2]);
        minP.set(v[3]);
        repeatPenalty.set(v[4]);
    }

    /** The current settings with a preset's values: the other side of a comparison. */
    public SamplingSettings settingsWithPreset(String name) {
        double[] v = PRESETS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no preset " + name);
        }
        return new SamplingSettings((float) v[0], (int) v[1], (float) v[2], (float) v[3], 1f, (float) v[4], 64, 0f, 0f,
                Map.of(), seed.get(), SamplingSettings.DEFAULT_ORDER);
    }

    public void reset() {
        preset("Balanced");
        typicalP.set(1);
        presencePenalty.set(0);
        frequencyPenalty.set(0);
        stageOrder.setAll(SamplingSettings.DEFAULT_ORDER);
        stagesOff.clear();
        logitBias.set("");
        maxTokens.set(200);
        beams.set(1);
        seedLocked.set(false);
    }

    public void load(Settings s) {
        temperature.set(s.temperature);
        topK.set(s.topK);
        topP.set(s.topP);
        minP.set(s.minP);
        typicalP.set(s.typicalP);
        repeatPenalty.set(s.repeatPenalty);
        presencePenalty.set(s.presencePenalty);
        frequencyPenalty.set(s.frequencyPenalty);
        if (s.stageOrder != null && s.stageOrder.size() == SamplingSettings.DEFAULT_ORDER.size()
                && SamplingSettings.STAGES.containsAll(s.stageOrder)) {
            stageOrder.setAll(s.stageOrder);
        }
        stagesOff.clear();
        if (s.stagesOff != null) {
            s.stagesOff.stream().filter(SamplingSettings.STAGES::contains).forEach(stagesOff::add);
        }
        logitBias.set(s.logitBias == null ? "" : s.logitBias);
        maxTokens.set(s.maxTokens);
        seed.set(s.seed);
        seedLocked.set(s.seedLocked);
        beams.set(s.beams);
        kvCache.set(kvType(s));
        contextLimit.set(Math.max(MIN_CONTEXT, s.contextLimit));
    }

    /** The KV cache type a settings file names (an earlier version's half-precision switch, or F32 when unknown). */
    static KvCache.Type kvType(Settings s) {
        if (s.kvCache != null) {
            for (KvCache.Type t : KvCache.Type.values()) {
                if (t.name().equalsIgnoreCase(s.kvCache.trim())) {
                    return t;
                }
            }
        }
        return s.halfKvCache ? KvCache.Type.F16 : KvCache.Type.F32;
    }

    /** The smallest context the window offers. */
    public static final int MIN_CONTEXT = 128;

    public void store(Settings s) {
        s.temperature = temperature.get();
        s.topK = topK.get();
        s.topP = topP.get();
        s.minP = minP.get();
        s.typicalP = typicalP.get();
        s.repeatPenalty = repeatPenalty.get();
        s.presencePenalty = presencePenalty.get();
        s.frequencyPenalty = frequencyPenalty.get();
        s.stageOrder = new ArrayList<>(stageOrder);
        s.stagesOff = new ArrayList<>(stagesOff);
        s.logitBias = logitBias.get();
        s.maxTokens = maxTokens.get();
        s.seed = seed.get();
        s.seedLocked = seedLocked.get();
        s.beams = beams.get();
        s.kvCache = kvCache.get().name();
        s.halfKvCache = kvCache.get() == KvCache.Type.F16;
        s.contextLimit = contextLimit.get();
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
