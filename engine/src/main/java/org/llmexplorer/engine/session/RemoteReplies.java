package org.llmexplorer.engine.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.llmexplorer.engine.remote.OpenAiClient;
import org.llmexplorer.engine.remote.RemoteException;
import org.llmexplorer.engine.sampling.SampledToken;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * Replies from a remote engine, written into the conversation as they stream. Probabilities
 * and alternatives come from the server's top_logprobs (at most 20); the sampler stages are
 * our chain re-applied to those 20, which is all a remote engine shows of its distribution.
 */
final class RemoteReplies {
    private static final double DRAW = 0.5;
    private final RemoteModel remote;
    private final Conversation conversation;
    private final SessionListener listener;

    RemoteReplies(RemoteModel remote, Conversation conversation, SessionListener listener) {
        this.remote = remote;
        this.conversation = conversation;
        this.listener = listener;
    }

    /** The conversation as the server's messages (with our system prompt first, when there is one). */
    static List<ObjectNode> messages(List<Message> conversation, String systemPrompt) {
        List<ObjectNode> out = new ArrayList<>();
        if (!systemPrompt.isBlank()) {
            out.add(OpenAiClient.message("system", systemPrompt));
        }
        for (Message m : conversation) {
            out.add(OpenAiClient.message(m.role(), m.text()));
        }
        return out;
    }

    /** A reply under other settings that stays out of the conversation (a comparison). */
    Message aside(String systemPrompt, SamplingSettings s, int maxTokens, BooleanSupplier cancelled)
            throws RemoteException {
        List<Step> steps = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        remote.client.chat(remote.info.id(), messages(conversation.copy(), systemPrompt), s, Math.max(1, maxTokens), false,
                t -> {
                    steps.add(step(t, s, steps.size()));
                    text.append(t.text());
                }, cancelled);
        return new Message("assistant", text.toString(), steps);
    }

    /**
     * A layer's attention from llmx serve ({@code POST /v1/attention}), over the conversation as
     * the server renders it. Tokens are not tied to the messages' characters here (spans NONE).
     */
    static AttentionSnapshot attention(RemoteModel remote, List<Message> conversation, String systemPrompt, int layer,
                                       String plan) throws RemoteException {
        com.fasterxml.jackson.databind.JsonNode a = remote.client.attention(remote.info.id(),
                messages(conversation, systemPrompt), layer, plan);
        int n = a.path("pieces").size();
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = a.path("pieces").get(i).asText();
        }
        int heads = a.path("heads").size();
        float[][][] w = new float[heads][n][n];
        boolean[][][] allowed = new boolean[heads][n][n];
        for (int h = 0; h < heads; h++) {
            var head = a.path("heads").get(h);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    w[h][i][j] = (float) head.path("weights").get(i).get(j).asDouble();
                    allowed[h][i][j] = head.path("allowed").get(i).get(j).asInt() == 1;
                }
            }
        }
        TokenSpan[] spans = new TokenSpan[n];
        java.util.Arrays.fill(spans, TokenSpan.NONE);
        return new AttentionSnapshot(layer, a.path("plan").asText(), 0, tokens, w, allowed, spans);
    }

    /** Streams a reply after the conversation, continuing the steps of {@code prefix}. */
    Message sampled(String systemPrompt, List<Step> prefix, SamplingSettings s, int maxTokens, BooleanSupplier cancelled)
            throws RemoteException {
        List<Step> steps = new ArrayList<>(prefix);
        StringBuilder text = new StringBuilder();
        for (Step st : steps) {
            text.append(st.text());
        }
        List<ObjectNode> messages = messages(conversation.copy(), systemPrompt);
        boolean continuing = !prefix.isEmpty();
        if (continuing) {
            messages.add(OpenAiClient.message("assistant", text.toString()));
        }
        int messageIndex = conversation.size();
        conversation.add(new Message("assistant", text.toString(), steps));
        long t0 = System.nanoTime();
        OpenAiClient.Reply r = remote.client.chat(remote.info.id(), messages, s, Math.max(1, maxTokens - prefix.size()),
                continuing, t -> {
                    Step step = step(t, s, steps.size());
                    steps.add(step);
                    text.append(t.text());
                    conversation.set(messageIndex, new Message("assistant", text.toString(), steps));
                    listener.token(messageIndex, step);
                }, cancelled);
        Message done = new Message("assistant", text.toString(), steps);
        conversation.set(messageIndex, done);
        if (!r.logprobs() && r.completionTokens() > 0) {
            listener.failed("token probabilities", new RemoteException("the server at " + remote.client.base()
                    + " returned no logprobs: the reply is shown without probabilities or alternatives"));
        }
        if (r.promptTokens() >= 0 && remote.info.contextLength() > 0) { // the server's usage report
            listener.contextUsage(r.promptTokens() + r.completionTokens(), remote.info.contextLength());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        listener.finished(messageIndex, switch (r.finishReason()) {
            case "stop" -> "eos";
            case "cancelled" -> "cancelled";
            default -> "length";
        }, seconds > 0 ? r.completionTokens() / seconds : 0);
        return done;
    }

    /** A step from a remote token: its probability, its alternatives, and our stages over them. */
    private Step step(OpenAiClient.Token t, SamplingSettings s, int position) {
        int id = remote.id(t.text());
        if (Double.isNaN(t.logprob())) {
            return new Step(id, t.text(), 0, 0, new TokenProbability[0], List.of(), position, 0);
        }
        TokenProbability[] top = new TokenProbability[t.top().size()];
        int rank = 0;
        for (int i = 0; i < top.length; i++) {
            OpenAiClient.Alternative a = t.top().get(i);
            top[i] = new TokenProbability(remote.id(a.text()), Math.exp(a.logprob()));
            if (top[i].id() == id) {
                rank = i + 1;
            }
        }
        // the server's draw is unknown: the stages are shown for the middle of the distribution
        return new Step(id, t.text(), Math.exp(t.logprob()), rank, top, stages(top, s, DRAW).stages(), position, DRAW);
    }

    /**
     * Our sampler chain applied to the server's alternatives (their log-probabilities serve as
     * logits: a softmax of them gives back their probabilities, renormalised over the 20).
     */
    static SampledToken stages(TokenProbability[] top, SamplingSettings s, double draw) {
        if (top.length == 0) {
            return new SampledToken(-1, draw, List.of());
        }
        float[] logits = new float[top.length];
        for (int i = 0; i < top.length; i++) {
            logits[i] = (float) Math.log(Math.max(top[i].p(), 1e-30));
        }
        SamplingSettings noBias = new SamplingSettings(s.temperature(), s.topK(), s.topP(), s.minP(), s.typicalP(),
                s.repeatPenalty(), 0, s.frequencyPenalty(), s.presencePenalty(), java.util.Map.of(), s.seed(), s.order());
        SampledToken local = new SamplerChain(noBias) // the bias and penalties name local token ids
                .apply(logits, 0, logits.length, draw, top.length);
        List<StageReport> mapped = new ArrayList<>();
        for (StageReport r : local.stages()) {
            TokenProbability[] t = new TokenProbability[r.top().length];
            for (int i = 0; i < t.length; i++) {
                t[i] = new TokenProbability(top[r.top()[i].id()].id(), r.top()[i].p());
            }
            mapped.add(new StageReport(r.stage(), r.survivors(), r.entropyBits(), t, r.chosenRank(), r.chosenP()));
        }
        return new SampledToken(local.token() < 0 ? -1 : top[local.token()].id(), draw, mapped);
    }
}
