package org.llmexplorer.engine;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Failures in words a person can act on: what went wrong, and with which file. */
public final class Errors {
    private Errors() {
    }

    /**
     * The message of a failure. File-system failures, whose own message is often the bare path,
     * say what happened to which file ("no such file: /x/model.gguf").
     */
    public static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) {
            return "no such file: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof NotDirectoryException f) {
            return "not a folder: " + f.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")");
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
