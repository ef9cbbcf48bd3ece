package org.llmexplorer.app.view;

import javafx.animation.AnimationTimer;

/** The longest gap between two JavaFX pulses while it runs: how long the window was frozen at worst. */
final class PulseMeter extends AnimationTimer {
    private long last;
    private long longest;

    @Override
    public void handle(long now) {
        if (last != 0) {
            longest = Math.max(longest, now - last);
        }
        last = now;
    }

    @Override
    public void start() {
        last = 0;
        longest = 0;
        super.start();
    }

    double longestMillis() {
        return longest / 1e6;
    }
}
