package org.llmexplorer.app;

import javafx.animation.AnimationTimer;

/**
 * For measuring the window as a person uses it ({@code -Dllmx.frames=true}): once a second,
 * the longest gap between two JavaFX pulses of that second goes to standard error as a JSON
 * line, so a drag or a streaming reply driven by hand (or by xdotool) can be timed.
 */
final class FrameMeter extends AnimationTimer {
    private long last;
    private long longest;
    private long windowStart;

    @Override
    public void handle(long now) {
        if (last != 0) {
            longest = Math.max(longest, now - last);
        }
        last = now;
        if (windowStart == 0) {
            windowStart = now;
        } else if (now - windowStart >= 1_000_000_000L) {
            System.err.printf("{\"frames\": {\"longest_gap_ms\": %.1f}}%n", longest / 1e6);
            longest = 0;
            windowStart = now;
        }
    }
}
