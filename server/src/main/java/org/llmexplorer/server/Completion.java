package org.llmexplorer.server;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.sampling.SamplerChain;

/**
 * One request's generation, run on the engine's thread: n choices for each prompt, one after
 * another, each streamed as events to the request's own thread, which writes them to the client.
 * The client's thread sets {@link #cancel} when the client goes away; generation stops at the
 * next token.
 */
final class Completion implements ServedModel.Task {

    sealed interface Event permits Delta, Finish, Done, Failed {
    }

    /** Text to show for choice {@code index}, and the token that produced it (null for held-back text). */
    record Delta(int index, String text, GeneratedToken token) implements Event {
    }

    /** Choice {@code index} ended: "stop" (end of turn or a stop string) or "length". */
    record Finish(int index, String reason) implements Event {
    }

    record Done(int promptTokens, int completionTokens) implements Event {
    }

    record Failed(Throwable error) implements Event {
    }

    private final CompletionRequest request;
    private final List<int[]> prompts;
    private final int contextLength;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    private final Stats stats;

    Completion(CompletionRequest request, List<int[]> prompts, int contextLength, Stats stats) {
        this.request = request;
        this.stats = stats;
        stats.running.incrementAndGet();
        this.prompts = prompts;
        this.contextLength = contextLength;
    }

    void cancel() {
        cancelled.set(true);
    }

    /** Once, when the generation ends or is dropped from the queue unrun. */
    void ended() {
        if (!counted.getAndSet(true)) {
            stats.running.decrementAndGet();
            (cancelled.get() ? stats.cancelled : stats.finished).incrementAndGet();
        }
    }

    /** The queue was full: the generation never counted as running. */
    void refused() {
        if (!counted.getAndSet(true)) {
            stats.running.decrementAndGet();
        }
    }

    private final AtomicBoolean counted = new AtomicBoolean();

    boolean cancelled() {
        return cancelled.get();
    }

    @Override
    public void run(Generator generator) {
        try {
            int promptTokens = 0;
            int completionTokens = 0;
            for (int p = 0; p < prompts.size() && !cancelled.get(); p++) {
                int[] ids = prompts.get(p);
                promptTokens += ids.length;
                for (int i = 0; i < request.n() && !cancelled.get(); i++) {
                    int index = p * request.n() + i;
                    StopStrings stop = new StopStrings(request.stop());
                    SamplerChain sampler = new SamplerChain(request.settings().withSeed(request.settings().seed() + i))
                            .reports(request.stages());
                    int max = request.maxTokens() < 0 ? contextLength - ids.length : request.maxTokens();
                    generator.forget();
                    GenerationResult r = generator.generate(ids, max, sampler, Math.max(0, request.topLogprobs()), t -> {
                        stats.tokens.incrementAndGet();
                        String shown = stop.push(t.text());
                        // the token that completed a stop string is not part of the reply
                        events.add(new Delta(index, shown, stop.stopped() ? null : t));
                    }, () -> cancelled.get() || stop.stopped());
                    String rest = stop.flush();
                    if (!rest.isEmpty()) {
                        events.add(new Delta(index, rest, null));
                    }
                    completionTokens += r.tokens().size() - (stop.stopped() ? 1 : 0);
                    events.add(new Finish(index, stop.stopped() || r.stopReason().equals("eos") ? "stop" : "length"));
                }
            }
            events.add(new Done(promptTokens, completionTokens));
        } catch (RuntimeException | Error e) {
            events.add(new Failed(e));
        } finally {
            ended();
        }
    }
}
