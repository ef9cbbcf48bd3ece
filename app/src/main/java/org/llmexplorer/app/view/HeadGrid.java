package org.llmexplorer.app.view;

import java.util.function.IntConsumer;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;

/** Every head of the layer at once, each tile labelled with its head number; clicking one opens it. */
final class HeadGrid extends ScrollPane {
    private final TilePane tiles = new TilePane(8, 8);
    private IntConsumer onHead = h -> { };

    HeadGrid() {
        setContent(tiles);
        setFitToWidth(true);
        tiles.setPadding(new Insets(8));
        tiles.setId("head-grid");
    }

    void onHead(IntConsumer action) {
        onHead = action;
    }

    void show(float[][][] weights, boolean[][][] allowed, int chosen) {
        tiles.getChildren().clear();
        if (weights == null) {
            return;
        }
        double size = Math.max(72, Math.min(160, (getWidth() - 40) / Math.min(4, Math.max(1, weights.length)) - 8));
        for (int h = 0; h < weights.length; h++) {
            int n = weights[h].length;
            ImageView img = new ImageView(n == 0 ? null : HeatmapView.paint(weights[h], allowed[h], n));
            img.setFitWidth(size);
            img.setFitHeight(size);
            img.setSmooth(false);
            Label label = new Label("head " + h);
            label.getStyleClass().add(h == chosen ? "panel-title" : "hint");
            VBox tile = new VBox(2, label, img);
            tile.setAlignment(Pos.CENTER);
            tile.setId("head-" + h);
            tile.getStyleClass().addAll("head-tile", h == chosen ? "chosen" : "other");
            Tooltip.install(tile, new Tooltip("head " + h + ": click to open it"));
            int k = h;
            tile.setOnMouseClicked(e -> onHead.accept(k));
            tiles.getChildren().add(tile);
        }
    }
}
