package org.llmexplorer.app.view;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;
import org.llmexplorer.app.viewmodel.InspectorViewModel;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.session.Step;

/**
 * The selected token's distribution before and after each sampler stage, as bars. Clicking an
 * alternative continues the reply from there with that token.
 */
final class TokenView extends VBox {
    private static final double BAR = 180;
    private final InspectorViewModel vm;
    private final Label header = new Label("Click a token of a reply to see its distribution.");
    private final Label would = new Label();
    private final VBox stages = new VBox(8);

    TokenView(InspectorViewModel vm) {
        this.vm = vm;
        setSpacing(8);
        setPadding(new Insets(10));
        Label title = new Label("Token probabilities");
        title.getStyleClass().add("panel-title");
        header.setWrapText(true);
        header.setId("token-header");
        would.getStyleClass().add("hint");
        would.setId("would-pick");
        ScrollPane scroll = new ScrollPane(stages);
        scroll.setFitToWidth(true);
        stages.setId("stages");
        getChildren().addAll(title, header, would, scroll);
        vm.stages().addListener((ListChangeListener<StageReport>) c -> redraw());
        vm.wouldPickProperty().addListener((o, a, b) -> {
            Step s = vm.step();
            int t = b.intValue();
            would.setText(t < 0 || s == null ? "" : t == s.token()
                    ? "with the current settings this step still gives '" + vm.piece(t) + "'"
                    : "with the current settings this step would give '" + vm.piece(t) + "' instead");
        });
    }

    private void redraw() {
        Step s = vm.step();
        stages.getChildren().clear();
        if (s == null) {
            return;
        }
        header.setText(String.format("'%s' — probability %.4f, rank %d", s.text().replace("\n", "\\n"), s.p(), s.rank()));
        StageReport previous = null;
        for (StageReport r : vm.stages()) {
            boolean same = previous != null && previous.survivors() == r.survivors()
                    && Math.abs(previous.entropyBits() - r.entropyBits()) < 1e-9;
            previous = r;
            if (same) { // a stage that is off, or changed nothing: one line
                Label line = new Label(r.stage() + " — no change");
                line.getStyleClass().add("hint");
                stages.getChildren().add(line);
                continue;
            }
            VBox box = new VBox(2);
            box.getStyleClass().add("stage-box");
            Label name = new Label(String.format("%s — %,d tokens left, %.2f bits%s", r.stage(), r.survivors(),
                    r.entropyBits(), r.chosenRank() > 0 ? String.format(", drawn token rank %d (p %.3f)",
                            r.chosenRank(), r.chosenP()) : ", drawn token removed"));
            name.getStyleClass().add("hint");
            box.getChildren().add(name);
            for (TokenProbability tp : r.top()) {
                box.getChildren().add(bar(tp, tp.id() == s.token()));
            }
            stages.getChildren().add(box);
        }
    }

    private HBox bar(TokenProbability tp, boolean chosen) {
        Label token = new Label("'" + vm.piece(tp.id()).replace("\n", "\\n") + "'");
        token.setMinWidth(90);
        token.setMaxWidth(90);
        Rectangle r = new Rectangle(Math.max(1, tp.p() * BAR), 12);
        r.getStyleClass().add("bar");
        if (chosen) {
            r.getStyleClass().add("chosen");
        }
        Label p = new Label(String.format("%.3f", tp.p()));
        HBox row = new HBox(6, token, r, p);
        row.setAlignment(Pos.CENTER_LEFT);
        row.setId("alt-" + tp.id());
        Tooltip.install(row, new Tooltip("continue the reply with this token from here"));
        row.setOnMouseClicked(e -> vm.branchTo(tp.id()));
        return row;
    }
}
