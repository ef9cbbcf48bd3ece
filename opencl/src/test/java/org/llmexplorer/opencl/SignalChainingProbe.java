package org.llmexplorer.opencl;

/** Run by SignalChainingTest in a JVM of its own: restarts with chaining, then says what it has. */
final class SignalChainingProbe {
    private SignalChainingProbe() {
    }

    public static void main(String[] args) {
        long pid = ProcessHandle.current().pid();
        SignalChaining.restartWithChaining();
        System.out.println("pid=" + pid + " active=" + SignalChaining.active() + " args=" + String.join(",", args));
    }
}
