package org.llmexplorer.app.download;

import java.net.URI;
import java.nio.file.Path;

/** The state of one download, as the download manager reports it (immutable snapshot). */
public record Download(String id, URI uri, Path file, State state, long bytes, long total, double bytesPerSecond,
                       String message) {

    public enum State { RUNNING, PAUSED, DONE, FAILED, CANCELLED, CORRUPT }

    /** Seconds left at the current speed, or -1 when unknown. */
    public double secondsLeft() {
        return total > 0 && bytesPerSecond > 0 ? (total - bytes) / bytesPerSecond : -1;
    }

    public double fraction() {
        return total > 0 ? Math.min(1.0, bytes / (double) total) : -1;
    }

    Download with(State s, long b, long t, double speed, String msg) {
        return new Download(id, uri, file, s, b, t, speed, msg);
    }
}
