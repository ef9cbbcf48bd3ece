package org.llmexplorer.engine.model;

import org.llmexplorer.engine.tensor.GgmlType;

/**
 * A backend that keeps conversations in memory of its own (a GPU through OpenCL) and so opens
 * their {@link Workspace}s itself; a {@link org.llmexplorer.engine.compute.Compute} without this
 * runs every pass in a {@link HostWorkspace} on its host operations. Implemented by the device
 * modules, which the engine never names.
 */
public interface DeviceWorkspaces {

    /** Null when passes of this model run on the device, otherwise the reason they run on the CPU. */
    String declines(Transformer model);

    /**
     * A new workspace of this model for the conversation s, its operations the device lacks
     * routed through {@link HostFallback}; null when this conversation must stay on the CPU
     * (it did not fit next to what the device holds).
     */
    Workspace open(Transformer model, InferenceState s);

    /** Whether the device runs this operation (the others run on the CPU, step by step). */
    boolean runs(Workspace.Op op);

    /** Whether the device multiplies matrices of this type. */
    boolean multiplies(GgmlType type);
}
