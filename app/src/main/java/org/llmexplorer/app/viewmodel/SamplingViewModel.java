package org.llmexplorer.app.viewmodel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.value.ObservableValue;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.sampling.SamplingSettings;

/**
 * The sampling parameters the panel edits. Every change is announced to {@code onChange}, which
 * pushes the settings to the session and re-samples the selected step.
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

    public final DoubleProperty temperature = new SimpleDoubleProperty(0.8);
    public final IntegerProperty topK = new SimpleIntegerProperty(40);
    public final DoubleProperty topP = new SimpleDoubleProperty(0.95);
    public final DoubleProperty minP = new SimpleDoubleProperty(0.05);
    public final DoubleProperty repeatPenalty = new SimpleDoubleProperty(1.0);
    public final IntegerProperty maxTokens = new SimpleIntegerProperty(200);
    public final LongProperty seed = new SimpleLongProperty(42);
    public final BooleanProperty seedLocked = new SimpleBooleanProperty(false);
    public final IntegerProperty beams = new SimpleIntegerProperty(1);

    private Runnable onChange = () -> { };

    public SamplingViewModel() {
        for (ObservableValue<?> p : List.of(temperature, topK, topP, minP, repeatPenalty, maxTokens, seed, seedLocked,
                beams)) {
            p.addListener((o, a, b) -> onChange.run());
        }
    }

    public void onChange(Runnable r) {
        this.onChange = r;
    }

    public SamplingSettings settings() {
        return new SamplingSettings((float) clamp(temperature.get(), 0, 5), Math.max(0, topK.get()),
                (float) clamp(topP.get(), 0.001, 1), (float) clamp(minP.get(), 0, 1), 1f,
                (float) clamp(repeatPenalty.get(), 0.5, 3), 64, 0f, 0f, Map.of(), seed.get(),
                SamplingSettings.DEFAULT_ORDER);
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
        maxTokens.set(200);
        beams.set(1);
        seedLocked.set(false);
    }

    public void load(Settings s) {
        temperature.set(s.temperature);
        topK.set(s.topK);
        topP.set(s.topP);
        minP.set(s.minP);
        repeatPenalty.set(s.repeatPenalty);
        maxTokens.set(s.maxTokens);
        seed.set(s.seed);
        seedLocked.set(s.seedLocked);
        beams.set(s.beams);
    }

    public void store(Settings s) {
        s.temperature = temperature.get();
        s.topK = topK.get();
        s.topP = topP.get();
        s.minP = minP.get();
        s.repeatPenalty = repeatPenalty.get();
        s.maxTokens = maxTokens.get();
        s.seed = seed.get();
        s.seedLocked = seedLocked.get();
        s.beams = beams.get();
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
