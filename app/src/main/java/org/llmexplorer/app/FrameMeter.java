package org.llmexplorer.app;

import javafx.animation.AnimationTimer;

/**
 * The longest gap between two JavaFX pulses while it runs: how long the window was frozen at
 * worst. Tests and scripts/screenshots read it; with {@code -Dllmx.frames=true} the application
 * runs one that prints, once a second, that second's longest gap to standard error as a JSON
 * line, so a drag or a streaming reply driven by hand (or by xdotool) can be timed.
 */
public final class FrameMeter extends AnimationTimer {
    private final boolean reportEverySecond;
    private long last;
    private long longest;
    private long windowStart;
    private long windowLongest;

    public FrameMeter() {
        this(false);
    }

    FrameMeter(boolean reportEverySecond) {
        this.reportEverySecond = reportEverySecond;
    }

    @Override
    public void handle(long now) {
        if (last != 0) {
            longest = Math.max(longest, now - last);
            windowLongest = Math.max(windowLongest, now - last);
        }
        last = now;
        if (windowStart == 0) {
            windowStart = now;
        } else if (reportEverySecond && now - windowStart >= 1_000_000_000L) {
            System.err.printf("{\"frames\": {\"longest_gap_ms\": %.1f}}%n", windowLongest / 1e6);
            windowLongest = 0;
            windowStart = now;
        }
    }

    @Override
    public void start() {
        last = 0;
        longest = 0;
        windowStart = 0;
        windowLongest = 0;
        super.start();
    }

    public double longestMillis() {
        return longest / 1e6;
    }
}
