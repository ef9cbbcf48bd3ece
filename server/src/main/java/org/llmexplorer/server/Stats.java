package org.llmexplorer.server;

import java.util.concurrent.atomic.AtomicLong;

/** What the server has done: requests finished and cancelled, tokens generated, requests running now. */
public final class Stats {
    final AtomicLong finished = new AtomicLong();
    final AtomicLong cancelled = new AtomicLong();
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong running = new AtomicLong();

    public long finished() {
        return finished.get();
    }

    /** Generations stopped because their client went away. */
    public long cancelled() {
        return cancelled.get();
    }

    public long tokens() {
        return tokens.get();
    }

    /** Generations queued or running. */
    public long running() {
        return running.get();
    }
}
