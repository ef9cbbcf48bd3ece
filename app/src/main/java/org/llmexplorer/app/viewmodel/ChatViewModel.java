package org.llmexplorer.app.viewmodel;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.engine.session.Message;
import org.llmexplorer.engine.session.Step;

/** The conversation: messages as they stream in, the input, the context gauge, chat files. */
public final class ChatViewModel {
    private final AppContext ctx;
    private final ObservableList<MessageItem> messages = FXCollections.observableArrayList();
    /** One read-only view, kept: a fresh wrapper per call would lose its listeners to the garbage collector. */
    private final ObservableList<MessageItem> messagesView = FXCollections.unmodifiableObservableList(messages);
    private final ReadOnlyBooleanWrapper generating = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyIntegerWrapper contextUsed = new ReadOnlyIntegerWrapper(0);
    private final ReadOnlyIntegerWrapper contextCapacity = new ReadOnlyIntegerWrapper(0);
    private final ReadOnlyDoubleWrapper tokensPerSecond = new ReadOnlyDoubleWrapper(0);
    /** While a long prompt is read before a reply: how far ("" otherwise). */
    private final javafx.beans.property.ReadOnlyStringWrapper promptStatus =
            new javafx.beans.property.ReadOnlyStringWrapper("");
    public final StringProperty input = new SimpleStringProperty("");
    private final ReadOnlyBooleanWrapper completionMode = new ReadOnlyBooleanWrapper(true);
    private final ReadOnlyStringWrapper placeholder = new ReadOnlyStringWrapper(
            "Open a model (Open model… above, or drop a .gguf file here) to begin.");
    /** Told when the conversation changed: a message sent, a reply finished, a chat opened or cleared. */
    private Runnable changed = () -> { };
    /** Told at each streamed token. */
    private Runnable streaming = () -> { };
    /** The reply streaming now: its message, tokens so far, and when its first token came. */
    private int streamingIndex = -1;
    private int streamed;
    private long firstTokenNanos;

    ChatViewModel(AppContext ctx) {
        this.ctx = ctx;
    }

    public ObservableList<MessageItem> messages() {
        return messagesView;
    }

    public ReadOnlyBooleanProperty generatingProperty() {
        return generating.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty contextUsedProperty() {
        return contextUsed.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty contextCapacityProperty() {
        return contextCapacity.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty tokensPerSecondProperty() {
        return tokensPerSecond.getReadOnlyProperty();
    }

    public javafx.beans.property.ReadOnlyStringProperty promptStatusProperty() {
        return promptStatus.getReadOnlyProperty();
    }

    /** True while the model has no chat template: the conversation is a text the model continues. */
    public ReadOnlyBooleanProperty completionModeProperty() {
        return completionMode.getReadOnlyProperty();
    }

    void onChange(Runnable conversationChanged, Runnable tokenStreamed) {
        this.changed = conversationChanged;
        this.streaming = tokenStreamed;
    }

    /** What the empty chat says: how to begin with the model that is open (or that one should be opened). */
    public ReadOnlyStringProperty placeholderProperty() {
        return placeholder.getReadOnlyProperty();
    }

    void modelOpened(String name, boolean chatTemplate) {
        completionMode.set(!chatTemplate);
        placeholder.set(chatTemplate
                ? "Send a message to " + name + ". Its chat template turns the conversation into the text it reads."
                : name + " has no chat template: write the beginning of a text and it continues it. "
                        + "Each reply goes on from everything above.");
    }

    /** Sends the input as a user message; returns the reply when it is complete. */
    public CompletableFuture<Message> send() {
        String text = input.get();
        if (text == null || text.isEmpty() || generating.get()) {
            return CompletableFuture.completedFuture(null);
        }
        input.set("");
        messages.add(new MessageItem("user", text));
        return track(ctx.session.send(text));
    }

    public void stop() {
        ctx.session.stop();
    }

    public CompletableFuture<Message> regenerate() {
        if (generating.get() || messages.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (messages.getLast().role().equals("assistant")) {
            messages.removeLast();
        }
        return track(ctx.session.regenerate());
    }

    /** Replaces a user message and everything after it, and generates again. */
    public CompletableFuture<Message> edit(int index, String text) {
        if (generating.get()) {
            return CompletableFuture.completedFuture(null);
        }
        messages.remove(index, messages.size());
        messages.add(new MessageItem("user", text));
        return track(ctx.session.edit(index, text));
    }

    /** Continues a reply from step k with another token there. */
    public CompletableFuture<Message> branch(StepRef at, int token) {
        if (generating.get()) {
            return CompletableFuture.completedFuture(null);
        }
        messages.remove(at.message(), messages.size());
        return track(ctx.session.branch(at.message(), at.step(), token));
    }

    /** Empties the conversation (the history keeps the old one; see {@link HistoryViewModel#newChat}). */
    void clear() {
        ctx.session.newChat();
        messages.clear();
        contextUsed.set(0);
        changed.run();
    }

    /** Shows a conversation from the history. */
    void show(List<Message> conversation) {
        ctx.session.restore(conversation);
        messages.clear();
        syncFromSession();
        changed.run();
    }

    private CompletableFuture<Message> track(CompletableFuture<Message> f) {
        generating.set(true);
        return f.whenComplete((m, e) -> ctx.ui.execute(() -> {
            generating.set(false);
            promptStatus.set("");
            syncFromSession();
            changed.run();
        }));
    }

    /** Makes the list show exactly the session's conversation (after a reply or a failure). */
    void syncFromSession() {
        List<Message> conv = ctx.session.conversation();
        for (int i = 0; i < conv.size(); i++) {
            Message m = conv.get(i);
            if (i < messages.size() && messages.get(i).role().equals(m.role())) {
                if (!messages.get(i).text().equals(m.text()) || messages.get(i).steps().size() != m.steps().size()) {
                    messages.get(i).replace(m.text(), m.steps());
                }
            } else {
                if (i < messages.size()) {
                    messages.remove(i, messages.size());
                }
                MessageItem item = new MessageItem(m.role(), "");
                item.replace(m.text(), m.steps());
                messages.add(item);
            }
        }
        if (messages.size() > conv.size()) {
            messages.remove(conv.size(), messages.size());
        }
    }

    /** The prompt of a reply is being read: done of total new tokens. */
    void reading(int done, int total) {
        streamed = 0; // a reply's prompt: its tokens follow
        promptStatus.set(done < total ? String.format("reading the prompt: %d / %d tokens", done, total) : "");
    }

    void token(int messageIndex, Step step) {
        promptStatus.set("");
        // The status bar follows the reply as it streams: the context it fills, and its speed so far
        // (tokens after the first over the time since it; the session's own figure replaces it at the end).
        // (A remote engine's steps count from its reply's start: the gauge waits for its usage at the end.)
        contextUsed.set(Math.max(contextUsed.get(), step.position() + 1));
        long now = System.nanoTime();
        if (streamed == 0 || messageIndex != streamingIndex) {
            streamingIndex = messageIndex;
            firstTokenNanos = now;
            streamed = 1;
        } else if (now > firstTokenNanos) {
            tokensPerSecond.set(streamed++ * 1e9 / (now - firstTokenNanos));
        }
        while (messages.size() <= messageIndex) {
            messages.add(new MessageItem("assistant", ""));
        }
        messages.get(messageIndex).append(step);
        streaming.run();
    }

    void finished(double tps) {
        streamed = 0;
        tokensPerSecond.set(tps);
    }

    void context(int used, int capacity) {
        contextUsed.set(used);
        contextCapacity.set(capacity);
    }

    // --- export ------------------------------------------------------------------------------

    /** Two replies to the conversation under two settings, not added to it. */
    public CompletableFuture<List<Message>> compare(org.llmexplorer.engine.sampling.SamplingSettings a,
                                                    org.llmexplorer.engine.sampling.SamplingSettings b) {
        if (generating.get()) {
            return CompletableFuture.completedFuture(List.of());
        }
        generating.set(true);
        return ctx.session.compare(a, b).whenComplete((m, e) -> ctx.ui.execute(() -> generating.set(false)));
    }

    /** Every generated token of the conversation as CSV: message, step, token id, text, probability, rank. */
    public String probabilitiesCsv() {
        StringBuilder sb = new StringBuilder("message,step,token,text,p,rank\n");
        List<Message> conv = ctx.session.conversation();
        for (int m = 0; m < conv.size(); m++) {
            List<Step> steps = conv.get(m).steps();
            for (int i = 0; i < steps.size(); i++) {
                Step st = steps.get(i);
                sb.append(m).append(',').append(i).append(',').append(st.token()).append(",\"")
                        .append(st.text().replace("\"", "\"\"")).append("\",").append(st.p()).append(',')
                        .append(st.rank()).append('\n');
            }
        }
        return sb.toString();
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# Chat\n\n");
        for (Message m : ctx.session.conversation()) {
            sb.append("**").append(m.role()).append("**\n\n").append(m.text().strip()).append("\n\n");
        }
        return sb.toString();
    }

}
