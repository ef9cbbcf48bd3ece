package org.llmexplorer.engine.model;

/**
 * Floats of a forward pass that belong to a backend: a host array on the CPU, device memory on a
 * GPU. Only the {@link Workspace} that made a buffer reads or writes it; everyone else copies
 * values in and out through {@link Workspace#read} and {@link Workspace#write}.
 */
public interface Buffer {
}
