package org.llmexplorer.app.viewmodel;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.engine.session.Step;

/** One message as the chat shows it: its role, its text, and for replies every token's record. */
public final class MessageItem {
    private final String role;
    private final ReadOnlyStringWrapper text = new ReadOnlyStringWrapper("");
    private final ObservableList<Step> steps = FXCollections.observableArrayList();
    /** One read-only view, kept: a fresh wrapper per call would lose its listeners to the garbage collector. */
    private final ObservableList<Step> stepsView = FXCollections.unmodifiableObservableList(steps);

    public MessageItem(String role, String text) {
        this.role = role;
        this.text.set(text);
    }

    public String role() {
        return role;
    }

    public ReadOnlyStringProperty textProperty() {
        return text.getReadOnlyProperty();
    }

    public String text() {
        return text.get();
    }

    public ObservableList<Step> steps() {
        return stepsView;
    }

    void append(Step step) {
        steps.add(step);
        text.set(text.get() + step.text());
    }

    void replace(String newText, java.util.List<Step> newSteps) {
        steps.setAll(newSteps);
        text.set(newText);
    }
}
