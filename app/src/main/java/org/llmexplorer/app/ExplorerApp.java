package org.llmexplorer.app;

import org.llmexplorer.app.store.AppDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.llmexplorer.app.view.MainWindow;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.llmexplorer.engine.model.DefaultModel;

/**
 * The LLM Explorer application. Opens the model given with {@code --model F}, else the last one
 * used, else waits for the user to open or download one.
 */
public final class ExplorerApp extends Application {
    private ExplorerViewModel vm;

    @Override
    public void start(Stage stage) {
        vm = new ExplorerViewModel(Platform::runLater, AppDirs.standard());
        MainWindow window = new MainWindow(stage, vm);
        stage.show();
        if (Boolean.getBoolean("llmx.frames")) {
            new FrameMeter(true).start();
        }
        Path model = initialModel(getParameters().getRaw(), vm.context().settings().lastModel);
        if (model != null) {
            vm.model.open(model);
        }
    }

    static Path initialModel(List<String> args, String last) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--model")) {
                return Path.of(args.get(i + 1));
            }
        }
        if (last != null && Files.isRegularFile(Path.of(last))) {
            return Path.of(last);
        }
        // The model shipped with the application; without one the window invites the user to open one.
        return DefaultModel.find().orElse(null);
    }

    @Override
    public void stop() {
        if (vm != null) {
            vm.close();
        }
    }
}
