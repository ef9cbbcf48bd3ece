package org.llmexplorer.engine.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.generate.WarmUp;
import org.llmexplorer.engine.inspect.Pass;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.remote.OpenAiClient;
import org.llmexplorer.engine.remote.RemoteException;
import org.llmexplorer.engine.sampling.SampledToken;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * A conversation with a model: the only thing a user interface talks to, and the thread that
 * owns the model. Every engine call runs on the session's own thread; results come back as
 * {@link SessionListener} events. Commands return futures that complete when the work is done
 * (or failed: the failure is also reported to the listener, and the conversation stays as it
 * was).
 *
 * <p>Short work that only reads the conversation (re-sampling a step, attention of a layer) may
 * run between two tokens of a streaming reply, so the views that ask for it keep moving while
 * the model writes.
 *
 * <p>The jobs are done by {@link Replies} (writing replies), {@link Transcript} (what the model
 * reads), {@link AttentionProbe}, {@link LogitsCache} and {@link LoadedModel}.
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
    private final Conversation conversation = new Conversation();
    private final LogitsCache logitsCache = new LogitsCache(LOGITS_CACHE_BYTES);
    /** Short jobs that may also run between two tokens of a reply; whoever runs one first runs it. */
    private final ConcurrentLinkedQueue<Runnable> between = new ConcurrentLinkedQueue<>();

    private volatile SamplingSettings settings = SamplingSettings.defaults(0.8f, 0);
    private volatile boolean seedLocked;
    private volatile int maxTokens = 256;
    private volatile int beams = 1;
    private volatile int contextLimit = 2048;
    private volatile KvCache.Type kvType = KvCache.Type.F32;
    private volatile MaskPlan masks;
    private volatile String backend = Backends.DEFAULT;
    private volatile int threads = Backends.defaultThreads();
    private volatile String systemPrompt = "";
    private volatile LoadedModel loaded;
    /** A model on an OpenAI-compatible server, in place of a loaded one (null when local). */
    private volatile RemoteModel remote;

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
        LoadedModel lm = loaded;
        return lm == null ? null : lm.template();
    }

    /** How the next conversation's KV cache stores keys and values (F16: half the memory). */
    public void kvCache(KvCache.Type type) {
        if (type == kvType) {
            return;
        }
        this.kvType = type;
        cacheChanged();
    }

    /** The most tokens a conversation holds (at most the model's own context); older turns slide out. */
    public void contextLimit(int tokens) {
        int limit = Math.max(16, tokens);
        if (limit == contextLimit) {
            return;
        }
        this.contextLimit = limit;
        cacheChanged();
    }

    /** The model card's KV figure follows the cache's type and size (the next reply makes the cache anew). */
    private void cacheChanged() {
        submitShort("kv cache", () -> {
            LoadedModel lm = loaded;
            if (lm != null && remote == null) {
                listener.loaded(lm.summary(lm.model().file().path(), capacity(lm), kvType));
            }
            return null;
        });
    }

    /** The backend (as {@link Backends#create} names them) for the next model opened. */
    public void backend(String name, int threadCount) {
        this.backend = name;
        this.threads = Math.max(1, threadCount);
    }

    /** The text of a token (control tokens shown as written), for labels; "" before a model is open. */
    public String piece(int token) {
        RemoteModel rm = remote;
        if (rm != null) {
            return rm.text(token);
        }
        LoadedModel lm = loaded;
        if (lm == null || token < 0 || token >= lm.config().vocabSize()) {
            return "";
        }
        return lm.label(token);
    }

    /**
     * Token ids of a text in the open model's vocabulary: the one token whose text it is exactly
     * (as the views show tokens, e.g. " the"), else the text encoded (no BOS; control-token text
     * stays text).
     */
    public CompletableFuture<int[]> tokenize(String text) {
        return submitShort("tokenize", () -> {
            if (remote != null) {
                throw new IllegalStateException("a remote engine's token ids are its own: token texts cannot be turned "
                        + "into them here");
            }
            LoadedModel lm = requireModel();
            byte[] wanted = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var tokenizer = lm.model().tokenizer();
            for (int id = 0; id < lm.config().vocabSize(); id++) {
                if (java.util.Arrays.equals(tokenizer.piece(id, false), wanted)) {
                    return new int[] {id};
                }
            }
            return tokenizer.encode(text, false, false);
        });
    }

    /** A copy of the conversation. */
    public List<Message> conversation() {
        return conversation.copy();
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
                throw new CancellationException("loading cancelled");
            }
            listener.loading("starting the " + backend + " backend", 0.6);
            Compute nextCompute = createCompute();
            try {
                prepareWeights(next, nextCompute, 0.6);
            } catch (CancellationException e) {
                nextCompute.close();
                next.close();
                throw e;
            }
            ChatTemplate nextTemplate;
            try {
                nextTemplate = LoadedModel.templateOf(next);
            } catch (RuntimeException | IOException e) { // a template that does not parse
                listener.failed("chat template of " + path.getFileName() + " (continuing as plain text)", e);
                nextTemplate = null;
            }
            closeModel(); // and a remote model, if that was in use
            loaded = new LoadedModel(next, nextCompute, nextTemplate);
            masks = masks == null ? next.config().trainedMask() : masks;
            ModelSummary summary = loaded.summary(path, capacity(loaded), kvType);
            listener.loading("ready", 1.0);
            listener.loaded(summary);
            countContext(loaded);
            return summary;
        });
    }

    /**
     * Runs the conversation on a model of an OpenAI-compatible server instead of a local one
     * (the local model is closed; the conversation is kept). {@code model} null or blank: the
     * first the server lists.
     */
    public CompletableFuture<ModelSummary> connect(String address, String apiKey, String model) {
        cancel.set(false);
        return submit("connect to " + address, () -> {
            listener.loading("asking " + address + " for its models", 0.3);
            OpenAiClient client = new OpenAiClient(address,
                    apiKey, java.time.Duration.ofSeconds(120));
            List<OpenAiClient.ModelInfo> models = client.models();
            var info = model == null || model.isBlank() ? models.get(0) : models.stream()
                    .filter(m -> m.id().equals(model)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                            "the server at " + client.base() + " has no model '" + model + "'; it lists "
                                    + models.stream().map(OpenAiClient.ModelInfo::id).toList()));
            closeModel();
            remote = new RemoteModel(client, info);
            ModelSummary summary = new ModelSummary(null, info.id(), "remote", 0, java.util.Map.of(), info.contextLength(),
                    info.contextLength(), 0, 0, 0, 0, 0, 0, 0, "", "", true, remote.describe(), 0);
            listener.loading("ready", 1.0);
            listener.loaded(summary);
            return summary;
        });
    }

    /** Whether replies come from a remote server. */
    public boolean isRemote() {
        return remote != null;
    }

    /**
     * Moves the open model to another backend (the conversation is kept; the next command
     * reads it again on the new backend). A backend that cannot start leaves the model where it
     * was, said to the listener. Without a model, only remembers the choice.
     */
    public CompletableFuture<ModelSummary> switchBackend(String name, int threadCount) {
        cancel.set(false);
        return submit("switch to " + name, () -> {
            LoadedModel lm = loaded;
            if (lm == null) {
                backend(name, threadCount);
                return null;
            }
            Compute next = Backends.create(name, Math.max(1, threadCount));
            try {
                prepareWeights(lm.model(), next, 0.2);
            } catch (CancellationException e) {
                next.close();
                throw e;
            }
            backend(name, threadCount);
            lm.compute().close();
            loaded = lm.on(next);
            generator = null;
            logitsCache.clear();
            ModelSummary summary = loaded.summary(lm.model().file().path(), capacity(loaded), kvType);
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
            requireEngine();
            conversation.add(Message.user(text));
            return reply(List.of());
        });
    }

    /** Generates the last reply again (with a new seed unless the seed is locked). */
    public CompletableFuture<Message> regenerate() {
        cancel.set(false);
        return submit("regenerate", () -> {
            requireEngine();
            conversation.dropLastReply();
            return reply(List.of());
        });
    }

    /** Replaces a user message, drops everything after it, and generates a new reply. */
    public CompletableFuture<Message> edit(int messageIndex, String text) {
        cancel.set(false);
        return submit("edit", () -> {
            requireEngine();
            if (messageIndex < 0 || messageIndex >= conversation.size()
                    || !conversation.get(messageIndex).role().equals("user")) {
                throw new IllegalArgumentException("message " + messageIndex + " is not a user message");
            }
            conversation.cut(messageIndex);
            conversation.add(Message.user(text));
            return reply(List.of());
        });
    }

    /** Cuts an assistant reply at a step, puts another token there and continues from it. */
    public CompletableFuture<Message> branch(int messageIndex, int stepIndex, int token) {
        cancel.set(false);
        return submit("branch", () -> {
            requireEngine();
            Message m = conversation.get(messageIndex);
            if (!m.role().equals("assistant") || stepIndex < 0 || stepIndex >= m.steps().size()) {
                throw new IllegalArgumentException("no step " + stepIndex + " in message " + messageIndex);
            }
            conversation.cut(messageIndex);
            Step old = m.steps().get(stepIndex);
            if (remote != null) { // the alternative's probability as the server gave it
                double p = 0;
                for (var t : old.top()) {
                    p = t.id() == token ? t.p() : p;
                }
                List<Step> kept = new ArrayList<>(m.steps().subList(0, stepIndex));
                kept.add(new Step(token, remote.text(token), p, 0, old.top(), List.of(), old.position(), old.draw()));
                return reply(kept);
            }
            LoadedModel lm = requireModel();
            float[] logits = logitsCache.get(messageIndex, stepIndex);
            int vocab = lm.config().vocabSize();
            Step forced = new Step(token, lm.text(token),
                    logits == null ? 0 : Probabilities.probability(logits, 0, vocab, token),
                    logits == null ? 0 : Probabilities.rank(logits, 0, vocab, token),
                    logits == null ? old.top() : Probabilities.top(logits, 0, vocab, Replies.TOP), List.of(),
                    old.position(), old.draw(), logits == null ? old.entropy() : Probabilities.entropyBits(logits, 0, vocab));
            List<Step> kept = new ArrayList<>(m.steps().subList(0, stepIndex));
            kept.add(forced);
            return reply(kept);
        });
    }

    public void newChat() {
        conversation.replace(List.of());
        logitsCache.clear();
        reportContext();
    }

    /** Replaces the conversation (a reopened chat); the listener hears how much of the context it fills. */
    public void restore(List<Message> messages) {
        conversation.replace(messages);
        logitsCache.clear();
        reportContext();
    }

    /** The conversation's tokens against the context, to the listener, for a local model (a server's are not known). */
    private void reportContext() {
        LoadedModel lm = loaded;
        if (lm == null) {
            return;
        }
        submitShort("count the context", () -> {
            countContext(lm);
            return null;
        });
    }

    /**
     * Tells the listener the conversation's tokens. A template that refuses this conversation
     * (some raise errors on roles they do not take) leaves the gauge as it is: the next reply
     * says why, and opening the model must not fail on it.
     */
    private void countContext(LoadedModel lm) {
        int tokens;
        try {
            tokens = transcript(lm).tokens(conversation.copy()).length;
        } catch (RuntimeException e) {
            return;
        }
        listener.contextUsage(tokens, capacity(lm));
    }

    /**
     * Re-applies a sampler chain to a generated step from its kept logits (the model does not
     * run), reporting what that step would have given. May run between two tokens of a reply.
     */
    public CompletableFuture<Integer> resample(int messageIndex, int stepIndex, SamplingSettings s) {
        return submitShort("resample", () -> {
            if (remote != null) { // our chain over the alternatives the server sent
                Step step = conversation.get(messageIndex).steps().get(stepIndex);
                SampledToken t = RemoteReplies.stages(step.top(), s, step.draw());
                listener.resampled(messageIndex, stepIndex, t.token(), t.stages());
                return t.token();
            }
            LoadedModel lm = requireModel();
            Step step = conversation.get(messageIndex).steps().get(stepIndex);
            float[] logits = logitsCache.get(messageIndex, stepIndex);
            if (logits == null) {
                logits = recomputeLogits(lm, messageIndex, stepIndex);
            }
            SamplerChain chain = new SamplerChain(s);
            chain.reset(transcript(lm).before(conversation.copy(), messageIndex, stepIndex));
            SampledToken t = chain.apply(logits, 0, lm.config().vocabSize(), step.draw(), Replies.TOP);
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
            if (remote != null) { // two requests to the server
                RemoteReplies replies = new RemoteReplies(remote, conversation, listener);
                List<Message> out = new ArrayList<>();
                for (SamplingSettings s : List.of(a, b)) {
                    out.add(replies.aside(systemPrompt, s, maxTokens, cancel::get));
                }
                return out;
            }
            LoadedModel lm = requireModel();
            Replies replies = new Replies(lm, conversation, logitsCache, listener);
            List<Message> out = new ArrayList<>();
            for (SamplingSettings s : List.of(a, b)) {
                out.add(replies.aside(generator(lm), transcript(lm).tokens(conversation.copy()), s, maxTokens,
                        cancel::get));
            }
            return out;
        });
    }

    /**
     * Attention weights of every head of a layer over the conversation so far (the last
     * {@value AttentionProbe#MAX_TOKENS} tokens), under a plan (null: the one generation runs
     * under). May run between two tokens of a reply, over the reply so far.
     */
    public CompletableFuture<AttentionSnapshot> attention(int layer, MaskPlan plan) {
        return submitShort("attention", () -> {
            if (remote != null) {
                if (!remote.info.llmx()) {
                    throw new IllegalStateException("the remote engine at " + remote.client.base() + " does not expose "
                            + "attention; open the model here or serve it with llmx serve");
                }
                AttentionSnapshot snap = RemoteReplies.attention(remote, conversation.copy(), systemPrompt, layer,
                        plan == null ? null : plan.spec());
                listener.attention(snap);
                return snap;
            }
            LoadedModel lm = requireModel();
            AttentionSnapshot snap = AttentionProbe.run(lm, transcript(lm), conversation.copy(), layer,
                    plan == null ? planOf(lm) : plan);
            listener.attention(snap);
            return snap;
        });
    }

    /** A look inside the open model (logit lens, knock-out, patching, readings), given what it runs on. */
    public interface Inspection<T> {
        /**
         * @param pass      the model on the session's backend, under the session's masks
         * @param tokenizer the model's tokenizer
         * @param cancelled true once {@link #stop} was called: a long inspection returns by throwing
         */
        T run(Pass pass, Tokenizer tokenizer, BooleanSupplier cancelled) throws Exception;
    }

    /**
     * Runs an inspection on the session's thread, after any reply in progress: the deeper views
     * are long work (a sweep is hundreds of passes), cancelled by {@link #stop}.
     */
    public <T> CompletableFuture<T> inspect(String what, Inspection<T> work) {
        return submit(what, () -> {
            cancel.set(false); // when it starts: a Stop meant for a reply still running before it stays with that reply
            if (remote != null) {
                throw new IllegalStateException("the deeper views read the model's inner values: open the model here "
                        + "(a remote engine shows only its output)");
            }
            LoadedModel lm = requireModel();
            // between the passes of a sweep: the short jobs waiting (tokenize, resample, attention) run too
            return work.run(new Pass(lm.model(), lm.compute(), planOf(lm)), lm.model().tokenizer(), () -> {
                runBetween();
                return cancel.get();
            });
        });
    }

    // --- the work ------------------------------------------------------------------------------

    /** Generates an assistant reply after the conversation, continuing the steps of {@code prefix}. */
    private Message reply(List<Step> prefix) throws RemoteException {
        RemoteModel rm = remote;
        if (rm != null) {
            SamplingSettings s = seedLocked ? settings : settings.withSeed(seedCounter++);
            return new RemoteReplies(rm, conversation, listener).sampled(systemPrompt, prefix, s, maxTokens, cancel::get);
        }
        LoadedModel lm = loaded;
        int capacity = capacity(lm);
        List<Message> all = conversation.copy();
        if (!all.isEmpty()) { // a last message that cannot fit on its own: say so before older turns slide out
            fits(transcript(lm).tokens(List.of(all.getLast())).length + prefix.size(), capacity, lm);
        }
        trimToFit(lm);
        int[] transcript = transcript(lm).tokens(conversation.copy());
        fits(transcript.length + prefix.size(), capacity, lm);
        int[] context = Arrays.copyOf(transcript, transcript.length + prefix.size());
        for (int i = 0; i < prefix.size(); i++) {
            context[transcript.length + i] = prefix.get(i).token();
        }
        Generator g = generator(lm);
        Replies replies = new Replies(lm, conversation, logitsCache, listener);
        if (beams > 1 && prefix.isEmpty()) {
            return replies.beams(context, beams, planOf(lm), g.state().contextLength(), maxTokens, g.state().kvType());
        }
        SamplingSettings s = seedLocked ? settings : settings.withSeed(seedCounter++);
        return replies.sampled(g, context, prefix, s, maxTokens, cancel::get, this::runBetween);
    }

    /** The tokens a conversation of this model holds: the context set, at most the model's own. */
    private int capacity(LoadedModel lm) {
        return Math.min(lm.config().contextLength(), contextLimit);
    }

    private static void fits(int tokens, int capacity, LoadedModel lm) {
        if (tokens >= capacity) {
            throw new IllegalArgumentException("the conversation takes " + tokens + " tokens and the context holds "
                    + capacity + ": shorten the message"
                    + (capacity < lm.config().contextLength() ? ", or allow a longer context" : ""));
        }
    }

    private Transcript transcript(LoadedModel lm) {
        return new Transcript(lm.model().tokenizer(), lm.template(), systemPrompt);
    }

    private MaskPlan planOf(LoadedModel lm) {
        MaskPlan m = masks;
        return m == null ? lm.config().trainedMask() : m;
    }

    private Generator generator(LoadedModel lm) {
        int capacity = capacity(lm);
        KvCache.Type kv = kvType;
        if (generator == null || generator.state().contextLength() != capacity || generator.state().kvType() != kv) {
            generator = new Generator(lm.model(), lm.compute(), capacity, lm.compute().promptBatch(), kv);
        }
        return generator.masks(planOf(lm));
    }

    /** Drops the oldest turns until the transcript and a reply fit the context. */
    private void trimToFit(LoadedModel lm) {
        int capacity = capacity(lm);
        Transcript t = transcript(lm);
        int dropped = 0;
        while (conversation.size() > 1
                && t.tokens(conversation.copy()).length + Math.min(maxTokens, capacity / 2) > capacity) {
            conversation.removeFirst();
            dropped++;
        }
        if (dropped > 0) {
            logitsCache.clear();
            listener.trimmed(dropped, dropped + " oldest message" + (dropped == 1 ? "" : "s")
                    + " slid out of the " + capacity + "-token context window");
        }
    }

    private float[] recomputeLogits(LoadedModel lm, int messageIndex, int stepIndex) {
        int[] h = transcript(lm).before(conversation.copy(), messageIndex, stepIndex);
        Generator g = new Generator(lm.model(), lm.compute(), h.length).masks(planOf(lm));
        g.ingest(h, h.length, 0);
        int vocab = lm.config().vocabSize();
        logitsCache.put(messageIndex, stepIndex, g.state().logits(), vocab);
        return Arrays.copyOf(g.state().logits(), vocab);
    }

    /**
     * Readies the model on the backend ({@link WarmUp#ready}: matrices prepared, then the forward
     * pass compiled, so that the first reply comes as fast as the next), saying how far it is from
     * {@code from} to 0.95, and stopping between matrices and rounds when cancelled.
     */
    private void prepareWeights(Model model, Compute ops, double from) {
        WarmUp.ready(model, ops, (phase, fraction) -> {
            if (cancel.get()) {
                throw new CancellationException("loading cancelled");
            }
            listener.loading(phase + " for " + ops.name(), from + (0.95 - from) * fraction);
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

    private void requireEngine() {
        if (loaded == null && remote == null) {
            throw new IllegalStateException("no model is loaded");
        }
    }

    private LoadedModel requireModel() {
        LoadedModel lm = loaded;
        if (lm == null) {
            throw new IllegalStateException("no model is loaded");
        }
        return lm;
    }

    private interface Work<T> {
        T run() throws Exception;
    }

    private <T> Runnable task(String what, Work<T> work, CompletableFuture<T> f) {
        return () -> {
            try {
                f.complete(work.run());
            } catch (Throwable e) {
                listener.failed(what, e);
                f.completeExceptionally(e);
            }
        };
    }

    private <T> CompletableFuture<T> submit(String what, Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        thread.execute(task(what, work, f));
        return f;
    }

    /** A short job: on the session's thread in turn, or earlier, between two tokens of a reply. */
    private <T> CompletableFuture<T> submitShort(String what, Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        AtomicBoolean claimed = new AtomicBoolean();
        Runnable once = () -> {
            if (claimed.compareAndSet(false, true)) {
                task(what, work, f).run();
            }
        };
        between.add(once);
        thread.execute(() -> {
            between.remove(once);
            once.run();
        });
        return f;
    }

    private void runBetween() {
        for (Runnable r; (r = between.poll()) != null; ) {
            r.run();
        }
    }

    private void closeModel() {
        remote = null;
        LoadedModel lm = loaded;
        loaded = null;
        if (lm != null) {
            lm.close();
        }
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
