package org.llmexplorer.app.view;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.store.ChatHistory;
import org.llmexplorer.app.viewmodel.HistoryViewModel;

/** Every conversation, newest first: search, reopen (click), rename, delete; and a new chat. */
final class HistoryView extends VBox {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM HH:mm").withZone(ZoneId.systemDefault());
    private final HistoryViewModel vm;
    private final ListView<ChatHistory.Entry> list = new ListView<>();

    HistoryView(HistoryViewModel vm) {
        this.vm = vm;
        setSpacing(6);
        setPadding(new Insets(8));
        setMinWidth(0);
        Button fresh = new Button("New chat");
        fresh.setId("new-chat");
        fresh.setMaxWidth(Double.MAX_VALUE);
        fresh.setTooltip(new Tooltip("Start an empty conversation; this one stays in the list"));
        fresh.setOnAction(e -> vm.newChat());
        TextField search = new TextField();
        search.setId("history-search");
        search.setPromptText("Search chats");
        search.textProperty().bindBidirectional(vm.search);
        list.setId("history");
        list.setItems(vm.entries());
        Label none = new Label("No chats yet: every conversation is kept here as it changes.");
        none.setWrapText(true);
        none.setPadding(new Insets(8));
        list.setPlaceholder(none);
        list.setCellFactory(l -> new EntryCell());
        VBox.setVgrow(list, Priority.ALWAYS);
        getChildren().addAll(fresh, search, list);
        vm.currentProperty().addListener((o, a, b) -> list.refresh());
    }

    private void rename(ChatHistory.Entry e) {
        TextInputDialog d = new TextInputDialog(e.title());
        d.setHeaderText("Rename the chat");
        d.showAndWait().ifPresent(t -> vm.rename(e.id(), t));
    }

    private void delete(ChatHistory.Entry e) {
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Delete \"" + e.title() + "\"? It cannot be brought back.",
                ButtonType.OK, ButtonType.CANCEL);
        a.setHeaderText("Delete this chat");
        a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> vm.delete(e.id()));
    }

    /** A chat: its title, when it last changed, how many messages. */
    private final class EntryCell extends ListCell<ChatHistory.Entry> {
        @Override
        protected void updateItem(ChatHistory.Entry e, boolean empty) {
            super.updateItem(e, empty);
            if (empty || e == null) {
                setGraphic(null);
                setText(null);
                setContextMenu(null);
                setOnMouseClicked(null);
                return;
            }
            setPrefWidth(0); // the list never scrolls sideways: long titles are shortened
            Label title = new Label(e.title());
            title.setMaxWidth(Double.MAX_VALUE);
            title.getStyleClass().add(e.id().equals(vm.currentProperty().get()) ? "history-current" : "history-title");
            title.setMinWidth(0);
            Label meta = new Label(WHEN.format(Instant.ofEpochMilli(e.updated())) + " · " + e.messages() + " messages");
            meta.getStyleClass().add("hint");
            VBox box = new VBox(1, title, meta);
            box.setMinWidth(0);
            HBox row = new HBox(box);
            row.setAlignment(Pos.CENTER_LEFT);
            setText(null);
            setGraphic(row);
            setId("chat-" + e.id());
            setTooltip(new Tooltip(e.title() + (e.model() == null ? "" : "\nmodel: " + e.model())));
            MenuItem open = new MenuItem("Open");
            open.setOnAction(x -> vm.open(e.id()));
            MenuItem rename = new MenuItem("Rename…");
            rename.setOnAction(x -> rename(e));
            MenuItem delete = new MenuItem("Delete…");
            delete.setOnAction(x -> delete(e));
            setContextMenu(new ContextMenu(open, rename, delete));
            setOnMouseClicked(x -> {
                if (x.getButton() == javafx.scene.input.MouseButton.PRIMARY && !e.id().equals(vm.currentProperty().get())) {
                    vm.open(e.id());
                }
            });
        }
    }
}
