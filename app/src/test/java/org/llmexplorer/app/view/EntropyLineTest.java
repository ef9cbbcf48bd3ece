package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.session.Step;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The entropy sparkline's height follows the entropies, on an axis of at least one bit. */
@ExtendWith(ApplicationExtension.class)
class EntropyLineTest {
    private EntropyLine line;
    private Stage own;

    /** A stage of its own: the primary stage is shared with the other window tests, at their size. */
    @Start
    void start(Stage primary) {
        line = new EntropyLine(i -> { });
        own = new Stage();
        own.setScene(new Scene(new Pane(line), 300, 80));
        line.resize(300, 60);
        own.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(own::close);
    }

    /** A reply the model was sure of stays at the bottom; one with a 3-bit step reaches the top. */
    @Test
    void nearZeroEntropiesStayFlatAndHighOnesReachTheTop(FxRobot robot) {
        int sure = highestLineRow(robot, 0.001, 0.004, 0.03, 0.002);
        int unsure = highestLineRow(robot, 0.5, 3.0, 1.0, 0.2);
        double h = canvas().getHeight();
        // Rows count from the top: 0.03 bits on a one-bit axis rise about a pixel above the baseline.
        assertTrue(sure >= h - 5, "a sure reply's line stays near the bottom: top row " + sure + " of " + h);
        assertTrue(unsure <= 4, "the largest entropy reaches the top: top row " + unsure);
    }

    private int highestLineRow(FxRobot robot, double... entropies) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < entropies.length; i++) {
            steps.add(new Step(i, "t" + i, 0.5, 1, new TokenProbability[0], List.of(), i, 0.5, entropies[i]));
        }
        robot.interact(() -> line.show(steps, -1));
        WritableImage[] image = new WritableImage[1];
        robot.interact(() -> image[0] = canvas().snapshot(null, null));
        var reader = image[0].getPixelReader();
        for (int y = 0; y < (int) image[0].getHeight(); y++) {
            for (int x = 0; x < (int) image[0].getWidth(); x++) {
                Color c = reader.getColor(x, y);
                if (c.getBlue() > 0.5 && c.getRed() < 0.5 && c.getOpacity() > 0.3) { // the line's blue
                    return y;
                }
            }
        }
        return Integer.MAX_VALUE;
    }

    private Canvas canvas() {
        return (Canvas) ((Pane) line.getChildren().get(0)).getChildren().get(0);
    }
}
