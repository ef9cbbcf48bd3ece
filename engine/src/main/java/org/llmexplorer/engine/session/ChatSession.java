package org.llmexplorer.engine.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.ModuleTree;
import org.llmexplorer.engine.sampling.SampledToken;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.template.ChatMessage;
import org.llmexplorer.engine.template.ChatTemplate;

/**
 * A conversation with a model: the only thing a user interface talks to. Every engine call
 * runs on the session's own thread; results come back as {@link SessionListener} events.
 * Commands return futures that complete when the work is done (or failed: the failure is also
 * reported to the listener, and the conversation stays as it was).
 *
 * <p>A model with a chat template (its own, or a built-in one for a chat vocabulary that has
 * none) reads the conversation rendered by the template, ending with the prompt for the
 * assistant's turn; the reply stops at an end-of-turn token. A model without one (a base model
 * such as stories260K) continues a plain text: each message is appended to the transcript.
 */
public final class ChatSession implements AutoCloseable {
    /** Logits of past steps kept for re-sampling, at most this many bytes. */
    private static final long LOGITS_CACHE_BYTES = 64L << 20;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "llmx-session");
        t.setDaemon(true);
        return t;
    });
    private final SessionListener listener;
    private final AtomicBoolean cancel = new AtomicBoolean();
    private final List<Message> conversation = new ArrayList<>();
    private final Map<Long, float[]> logitsCache = new LinkedHashMap<>(16, 0.75f, true);

    private volatile SamplingSettings settings = SamplingSettings.defaults(0.8f, 0);
    private volatile boolean seedLocked;
    private volatile int maxTokens = 256;
    private volatile int beams = 1;
    private volatile int contextLimit = 2048;
    private volatile MaskPlan masks;
    private volatile String backend = Backends.DEFAULT;
    private volatile int threads = Backends.defaultThreads();

    private Model model;
    private ChatTemplate template; // null: plain completion
    private String systemPrompt = "";
    private Compute compute;
    private Generator generator;
    private long seedCounter = System.nanoTime();

    public ChatSession(SessionListener listener) {
        this.listener = listener;
    }

    // --- settings (take effect at the next command) ------------------------------------------

    public void settings(SamplingSettings s, boolean lockSeed, int maxNewTokens) {
        this.settings = s;
        this.seedLocked = lockSeed;
        this.maxTokens = Math.max(1, maxNewTokens);
    }

    /** Beam search with this many beams for the following replies (1: sample with the chain). */
    public void beams(int n) {
        this.beams = Math.max(1, n);
    }

    public SamplingSettings settings() {
        return settings;
    }

    public void masks(MaskPlan plan) {
        this.masks = plan;
    }

    public MaskPlan masks() {
        return masks;
    }

    /** A system message put before the conversation when the model has a chat template ("" for none). */
    public void systemPrompt(String text) {
        this.systemPrompt = text == null ? "" : text;
    }

    /** The chat template in use, or null when the model continues plain text. */
    public ChatTemplate template() {
        return template;
    }

    public void contextLimit(int tokens) {
        this.contextLimit = Math.max(16, tokens);
    }

    /** The backend (as {@link Backends#create} names them) for the next model opened. */
    public void backend(String name, int threadCount) {
        this.backend = name;
        this.threads = Math.max(1, threadCount);
    }

    /**
     * Moves the open model to another backend (the conversation is kept; the next command
     * reads it again on the new backend). A backend that cannot start leaves the model where it
     * was, said to the listener. Without a model, only remembers the choice.
     */
    public CompletableFuture<ModelSummary> switchBackend(String name, int threadCount) {
        return submit("switch to " + name, () -> {
            if (model == null) {
                backend(name, threadCount);
                return null;
            }
            Compute next = Backends.create(name, Math.max(1, threadCount));
            backend(name, threadCount);
            compute.close();
            compute = next;
            generator = null;
            logitsCache.clear();
            ModelSummary summary = summary(model.file().path());
            listener.loaded(summary);
            return summary;
        });
    }

    /**
     * The chosen backend, or the SIMD CPU path when it cannot start (no OpenCL library, no
     * device, a kernel that does not build): said to the listener, never a failed open.
     */
    private Compute createCompute() {
        try {
            return Backends.create(backend, threads);
        } catch (RuntimeException | LinkageError e) {
            if (backend.equals(Backends.DEFAULT) || backend.equals("scalar")) {
                throw e;
            }
            listener.failed("backend " + backend + " (using " + Backends.DEFAULT + " instead)", e);
            return Backends.create(Backends.DEFAULT, threads);
        }
    }

    /** The text of a token (control tokens shown as written), for labels; "" before a model is open. */
    public String piece(int token) {
        Model m = model;
        if (m == null || token < 0 || token >= m.config().vocabSize()) {
            return "";
        }
        return new String(m.tokenizer().piece(token, true), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A copy of the conversation. */
    public synchronized List<Message> conversation() {
        return List.copyOf(conversation);
    }

    // --- commands ----------------------------------------------------------------------------

    /** Opens a model (closing the previous one); the conversation is kept. */
    public CompletableFuture<ModelSummary> open(Path path) {
        cancel.set(false);
        return submit("open " + path.getFileName(), () -> {
            listener.loading("opening " + path.getFileName(), 0.1);
            if (!Files.isRegularFile(path)) {
                throw new IOException(path + ": no such file");
            }
            Model next = Model.open(path);
            if (cancel.get()) {
                next.close();
                throw new java.util.concurrent.CancellationException("loading cancelled");
            }
            listener.loading("preparing " + backend, 0.6);
            Compute nextCompute = createCompute();
            ChatTemplate nextTemplate;
            try {
                nextTemplate = templateOf(next);
            } catch (RuntimeException | java.io.IOException e) { // a template that does not parse
                listener.failed("chat template of " + path.getFileName() + " (continuing as plain text)", e);
                nextTemplate = null;
            }
            closeModel();
            model = next;
            template = nextTemplate;
            compute = nextCompute;
            masks = masks == null ? model.config().trainedMask() : masks;
            generator = null;
            ModelSummary summary = summary(path);
            listener.loading("ready", 1.0);
            listener.loaded(summary);
            return summary;
        });
    }

    /** Cancels what runs now (loading or generating) as soon as it can stop. */
    public void stop() {
        cancel.set(true);
    }

    /** Adds a user message and generates the reply. */
    public CompletableFuture<Message> send(String text) {
        cancel.set(false);
        return submit("generate", () -> {
            requireModel();
            synchronized (this) {
                conversation.add(Message.user(text));
            }
            return reply(null);
        });
    }

    /** Generates the last reply again (with a new seed unless the seed is locked). */
    public CompletableFuture<Message> regenerate() {
        cancel.set(false);
        return submit("regenerate", () -> {
            requireModel();
            synchronized (this) {
                if (!conversation.isEmpty() && conversation.getLast().role().equals("assistant")) {
                    conversation.removeLast();
                }
            }
            return reply(null);
        });
    }

    /** Replaces a user message, drops everything after it, and generates a new reply. */
    public CompletableFuture<Message> edit(int messageIndex, String text) {
        cancel.set(false);
        return submit("edit", () -> {
            requireModel();
            synchronized (this) {
                if (messageIndex < 0 || messageIndex >= conversation.size()
                        || !conversation.get(messageIndex).role().equals("user")) {
                    throw new IllegalArgumentException("message " + messageIndex + " is not a user message");
                }
                conversation.subList(messageIndex, conversation.size()).clear();
                conversation.add(Message.user(text));
            }
            return reply(null);
        });
    }

    /** Cuts an assistant reply at a step, puts another token there and continues from it. */
    public CompletableFuture<Message> branch(int messageIndex, int stepIndex, int token) {
        cancel.set(false);
        return submit("branch", () -> {
            requireModel();
            Message m;
            synchronized (this) {
                m = conversation.get(messageIndex);
                if (!m.role().equals("assistant") || stepIndex < 0 || stepIndex >= m.steps().size()) {
                    throw new IllegalArgumentException("no step " + stepIndex + " in message " + messageIndex);
                }
                conversation.subList(messageIndex, conversation.size()).clear();
            }
            Step old = m.steps().get(stepIndex);
            float[] logits = cachedLogits(messageIndex, stepIndex);
            int vocab = model.config().vocabSize();
            Step forced = new Step(token, new String(model.tokenizer().piece(token, false),
                    java.nio.charset.StandardCharsets.UTF_8),
                    logits == null ? 0 : Probabilities.probability(logits, 0, vocab, token),
                    logits == null ? 0 : Probabilities.rank(logits, 0, vocab, token),
                    logits == null ? old.top() : Probabilities.top(logits, 0, vocab, 10), List.of(), old.position(),
                    old.draw());
            List<Step> kept = new ArrayList<>(m.steps().subList(0, stepIndex));
            kept.add(forced);
            return reply(kept);
        });
    }

    public synchronized void newChat() {
        conversation.clear();
        logitsCache.clear();
    }

    /** Replaces the conversation (a reopened chat). */
    public synchronized void restore(List<Message> messages) {
        conversation.clear();
        conversation.addAll(messages);
        logitsCache.clear();
    }

    /**
     * Re-applies a sampler chain to a generated step from its kept logits (the model does not
     * run), reporting what that step would have given.
     */
    public CompletableFuture<Integer> resample(int messageIndex, int stepIndex, SamplingSettings s) {
        return submit("resample", () -> {
            requireModel();
            Step step;
            synchronized (this) {
                step = conversation.get(messageIndex).steps().get(stepIndex);
            }
            float[] logits = cachedLogits(messageIndex, stepIndex);
            if (logits == null) {
                logits = recomputeLogits(messageIndex, stepIndex);
            }
            SamplerChain chain = new SamplerChain(s);
            chain.reset(historyBefore(messageIndex, stepIndex));
            SampledToken t = chain.apply(logits, 0, model.config().vocabSize(), step.draw(), 10);
            listener.resampled(messageIndex, stepIndex, t.token(), t.stages());
            return t.token();
        });
    }

    /**
     * Two replies to the conversation as it stands, one under each of two sampler settings, kept
     * out of the conversation: what changing the settings does to the same prompt.
     */
    public CompletableFuture<List<Message>> compare(SamplingSettings a, SamplingSettings b) {
        cancel.set(false);
        return submit("compare", () -> {
            requireModel();
            List<Message> out = new ArrayList<>();
            for (SamplingSettings s : List.of(a, b)) {
                int[] context = transcriptTokens(conversation());
                Generator g = generator();
                int budget = Math.max(1, Math.min(maxTokens, g.state().contextLength() - context.length));
                SamplerChain chain = new SamplerChain(s);
                GenerationResult r = g.generate(context, budget, chain, 0, null, cancel::get);
                List<Step> steps = new ArrayList<>();
                for (GeneratedToken t : r.tokens()) {
                    steps.add(new Step(t.id(), t.text(), t.p(), t.rank(), t.top(), List.of(), 0, 0));
                }
                out.add(new Message("assistant", r.text(), steps));
            }
            return out;
        });
    }

    /** Attention weights of every head of a layer over the conversation so far, under a plan. */
    public CompletableFuture<AttentionSnapshot> attention(int layer, MaskPlan plan) {
        return submit("attention", () -> {
            requireModel();
            ModelConfig c = model.config();
            if (layer < 0 || layer >= c.layers()) {
                throw new IllegalArgumentException("layer " + layer + " is outside 0.." + (c.layers() - 1));
            }
            MaskPlan p = plan == null ? c.trainedMask() : plan;
            int[] tokens = transcriptTokens(conversation());
            if (tokens.length > 512) { // a heatmap of the last 512 tokens keeps memory bounded
                tokens = java.util.Arrays.copyOfRange(tokens, tokens.length - 512, tokens.length);
            }
            int n = tokens.length;
            Generator g = new Generator(model, compute, n).masks(p);
            AttentionMatrix rec = new AttentionMatrix(c.layers(), c.heads(), n, (l, h) -> l == layer);
            g.state().recorder(rec);
            g.ingest(tokens, n, 0);
            float[][][] w = new float[c.heads()][][];
            boolean[][][] allowed = new boolean[c.heads()][][];
            for (int h = 0; h < c.heads(); h++) {
                w[h] = rec.weights(layer, h);
                allowed[h] = p.mask(layer, h).matrix(n);
            }
            String[] pieces = new String[n];
            for (int i = 0; i < n; i++) {
                pieces[i] = new String(model.tokenizer().piece(tokens[i], true), java.nio.charset.StandardCharsets.UTF_8);
            }
            AttentionSnapshot snap = new AttentionSnapshot(layer, p.spec(), pieces, w, allowed);
            listener.attention(snap);
            return snap;
        });
    }

    // --- the work ------------------------------------------------------------------------------

    /** Generates an assistant reply after the conversation (continuing {@code prefix} steps if given). */
    private Message reply(List<Step> prefix) {
        trimToFit();
        List<Message> messages = conversation();
        int[] transcript = transcriptTokens(messages);
        List<Step> steps = new ArrayList<>(prefix == null ? List.of() : prefix);
        int[] context = transcript;
        if (!steps.isEmpty()) {
            context = java.util.Arrays.copyOf(transcript, transcript.length + steps.size());
            for (int i = 0; i < steps.size(); i++) {
                context[transcript.length + i] = steps.get(i).token();
            }
        }
        Generator g = generator();
        if (beams > 1 && steps.isEmpty()) {
            return beamReply(messages.size(), context, g.state().contextLength());
        }
        SamplingSettings s = seedLocked ? settings : settings.withSeed(seedCounter++);
        SamplerChain chain = new SamplerChain(s).reports(10);
        int messageIndex = messages.size();
        StringBuilder text = new StringBuilder();
        for (Step st : steps) {
            text.append(st.text());
        }
        int budget = Math.max(0, Math.min(maxTokens - steps.size(), g.state().contextLength() - context.length));
        int[] position = {context.length};
        synchronized (this) {
            conversation.add(new Message("assistant", text.toString(), steps));
        }
        GenerationResult r = g.generate(context, budget, chain, 10, t -> {
            SampledToken sampled = chain.last();
            Step step = new Step(t.id(), t.text(), t.p(), t.rank(), t.top(), t.stages(), position[0]++,
                    sampled == null ? 0 : sampled.draw());
            cacheLogits(messageIndex, steps.size(), g.state().logits());
            steps.add(step);
            text.append(t.text());
            synchronized (this) {
                conversation.set(messageIndex, new Message("assistant", text.toString(), steps));
            }
            listener.token(messageIndex, step);
        }, cancel::get);
        StringBuilder full = new StringBuilder();
        for (int i = 0; i < steps.size() - r.tokens().size(); i++) {
            full.append(steps.get(i).text());
        }
        full.append(r.text()); // includes what the UTF-8 decoder still held at the end
        Message done = new Message("assistant", full.toString(), steps);
        synchronized (this) {
            conversation.set(messageIndex, done);
        }
        listener.contextUsage(context.length + r.tokens().size(), g.state().contextLength());
        listener.finished(messageIndex, r.stopReason(), r.generationTokensPerSecond());
        return done;
    }

    /** A reply by beam search: the best sequence, its steps scored by one pass over it. */
    private Message beamReply(int messageIndex, int[] context, int capacity) {
        int budget = Math.max(1, Math.min(maxTokens, capacity - context.length));
        MaskPlan plan = masks == null ? model.config().trainedMask() : masks;
        var best = org.llmexplorer.engine.generate.BeamSearch.run(
                new org.llmexplorer.engine.generate.ModelBeams(model, compute, plan, capacity), context,
                new org.llmexplorer.engine.generate.BeamSearch.Settings(beams, 1, 1f, true, budget)).get(0);
        int[] all = java.util.Arrays.copyOf(context, context.length + best.tokens().length);
        System.arraycopy(best.tokens(), 0, all, context.length, best.tokens().length);
        Generator scorer = new Generator(model, compute, all.length).masks(plan);
        Generator.PromptScore score = scorer.score(all);
        List<Step> steps = new ArrayList<>();
        org.llmexplorer.engine.tokenizer.Utf8Stream utf8 = new org.llmexplorer.engine.tokenizer.Utf8Stream();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < best.tokens().length; i++) {
            int t = best.tokens()[i];
            String piece = utf8.push(model.tokenizer().piece(t, false));
            text.append(piece);
            Step step = new Step(t, piece, score.p()[context.length - 1 + i], score.rank()[context.length - 1 + i],
                    new org.llmexplorer.engine.sampling.TokenProbability[0], List.of(), context.length + i, 0);
            steps.add(step);
            listener.token(messageIndex, step);
        }
        text.append(utf8.flush());
        Message done = new Message("assistant", text.toString(), steps);
        synchronized (this) {
            conversation.add(done);
        }
        listener.contextUsage(all.length, capacity);
        listener.finished(messageIndex, best.endedWithEos() ? "eos" : "length", 0);
        return done;
    }

    private Generator generator() {
        int capacity = Math.min(model.config().contextLength(), contextLimit);
        if (generator == null || generator.state().contextLength() != capacity) {
            generator = new Generator(model, compute, capacity);
        }
        generator.masks(masks == null ? model.config().trainedMask() : masks);
        return generator;
    }

    /** Drops the oldest turns until the transcript and a reply fit the context. */
    private void trimToFit() {
        int capacity = Math.min(model.config().contextLength(), contextLimit);
        int dropped = 0;
        while (true) {
            List<Message> messages = conversation();
            int need = transcriptTokens(messages).length + Math.min(maxTokens, capacity / 2);
            if (need <= capacity || messages.size() <= 1) {
                break;
            }
            synchronized (this) {
                conversation.removeFirst();
            }
            dropped++;
        }
        if (dropped > 0) {
            logitsCache.clear();
            listener.trimmed(dropped, dropped + " oldest message" + (dropped == 1 ? "" : "s")
                    + " slid out of the " + capacity + "-token context window");
        }
    }

    /**
     * The conversation as the model reads it. With a template: rendered, with the assistant's
     * turn opened when the last message is not the assistant's, and special-token text read as
     * those tokens (BOS added only when the rendering does not begin with it). Without one: BOS,
     * then every message's text in order.
     */
    private int[] transcriptTokens(List<Message> messages) {
        if (template == null) {
            StringBuilder sb = new StringBuilder();
            for (Message m : messages) {
                sb.append(m.text());
            }
            return model.tokenizer().encode(sb.toString(), true, false);
        }
        List<ChatMessage> chat = new ArrayList<>();
        if (!systemPrompt.isBlank()) {
            chat.add(ChatMessage.of("system", systemPrompt));
        }
        for (Message m : messages) {
            chat.add(ChatMessage.of(m.role(), m.text()));
        }
        boolean openTurn = messages.isEmpty() || !messages.getLast().role().equals("assistant");
        String text = template.render(chat, openTurn, null);
        String bos = template.specialTokens().get("bos_token");
        boolean hasBos = bos != null && !bos.isEmpty() && text.startsWith(bos);
        return model.tokenizer().encode(text, !hasBos, true);
    }

    /**
     * The model's chat template: the file's own, else a built-in one when the vocabulary has
     * chat-turn tokens; null for a base model, which continues plain text.
     */
    private static ChatTemplate templateOf(Model m) throws java.io.IOException {
        var file = m.file();
        boolean stored = file.string(ChatTemplate.METADATA_KEY).filter(t -> !t.isBlank()).isPresent();
        var vocab = m.tokenizer().vocabulary();
        boolean chatVocabulary = java.util.stream.Stream.of("<|im_start|>", "<|start_header_id|>", "<start_of_turn>",
                "[INST]", "<|user|>").anyMatch(t -> vocab.id(t) != org.llmexplorer.engine.tokenizer.Vocabulary.NONE);
        return stored || chatVocabulary ? ChatTemplate.of(file) : null;
    }

    private int[] historyBefore(int messageIndex, int stepIndex) {
        List<Message> messages = conversation();
        int[] transcript = transcriptTokens(messages.subList(0, messageIndex));
        List<Step> steps = messages.get(messageIndex).steps();
        int[] h = java.util.Arrays.copyOf(transcript, transcript.length + stepIndex);
        for (int i = 0; i < stepIndex; i++) {
            h[transcript.length + i] = steps.get(i).token();
        }
        return h;
    }

    private float[] recomputeLogits(int messageIndex, int stepIndex) {
        int[] h = historyBefore(messageIndex, stepIndex);
        Generator g = new Generator(model, compute, h.length);
        g.masks(masks == null ? model.config().trainedMask() : masks);
        g.ingest(h, h.length, 0);
        float[] logits = java.util.Arrays.copyOf(g.state().logits(), model.config().vocabSize());
        cacheLogits(messageIndex, stepIndex, logits);
        return logits;
    }

    private synchronized void cacheLogits(int messageIndex, int stepIndex, float[] logits) {
        int vocab = model.config().vocabSize();
        logitsCache.put(((long) messageIndex << 32) | stepIndex, java.util.Arrays.copyOf(logits, vocab));
        long limit = LOGITS_CACHE_BYTES / (4L * vocab);
        var it = logitsCache.keySet().iterator();
        while (logitsCache.size() > Math.max(1, limit) && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private synchronized float[] cachedLogits(int messageIndex, int stepIndex) {
        return logitsCache.get(((long) messageIndex << 32) | stepIndex);
    }

    private ModelSummary summary(Path path) throws IOException {
        ModelConfig c = model.config();
        Map<String, Long> types = new TreeMap<>();
        long params = 0;
        for (GgufTensorInfo t : model.file().tensors()) {
            types.merge(t.type().name(), 1L, Long::sum);
            params += t.elementCount();
        }
        long kv = 2L * c.layers() * Math.min(c.contextLength(), contextLimit) * c.kvDim() * Float.BYTES;
        return new ModelSummary(path, c.name(), c.architecture(), params, types, c.contextLength(), c.layers(), c.heads(),
                c.kvHeads(), c.dim(), c.vocabSize(), Files.size(path), kv, ModuleTree.of(c, model.file()),
                c.trainedMask().spec(), template != null, backendInUse());
    }

    /** The backend as people should read it, saying so when a device hands this model to the CPU. */
    private String backendInUse() {
        String what = compute.describe();
        if (compute instanceof org.llmexplorer.engine.model.DeviceForward device) {
            var weights = model.transformer().weights();
            String reason = device.declines(model.config(), weights);
            List<String> onCpu = reason == null ? device.hostSteps(model.config(), weights) : List.of();
            if (reason != null) {
                what += "; this model runs on the CPU (simd): " + reason;
            } else if (!onCpu.isEmpty()) {
                what += "; on the CPU for want of a kernel: " + String.join(", ", onCpu);
            }
        }
        return what;
    }

    private void requireModel() {
        if (model == null) {
            throw new IllegalStateException("no model is loaded");
        }
    }

    private interface Work<T> {
        T run() throws Exception;
    }

    private <T> CompletableFuture<T> submit(String what, Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                f.complete(work.run());
            } catch (Throwable e) {
                listener.failed(what, e);
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private void closeModel() {
        if (compute != null) {
            compute.close();
        }
        if (model != null) {
            model.close();
        }
        model = null;
        compute = null;
        generator = null;
        logitsCache.clear();
    }

    @Override
    public void close() {
        cancel.set(true);
        thread.execute(this::closeModel);
        thread.shutdown();
    }
}
