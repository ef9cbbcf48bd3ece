package org.llmexplorer.app.viewmodel;

import java.net.URI;
import java.nio.file.Path;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.app.download.Catalogue;
import org.llmexplorer.app.download.CatalogueEntry;
import org.llmexplorer.app.download.Download;
import org.llmexplorer.app.download.DownloadManager;

/** The model catalogue and the downloads in progress. */
public final class DownloadsViewModel implements AutoCloseable {
    private final AppContext ctx;
    private final ObservableList<CatalogueEntry> catalogue = FXCollections.observableArrayList();
    private final ObservableList<Download> downloads = FXCollections.observableArrayList();
    /** One read-only view, kept: a fresh wrapper per call would lose its listeners to the garbage collector. */
    private final ObservableList<Download> downloadsView = FXCollections.unmodifiableObservableList(downloads);
    private final DownloadManager manager;

    DownloadsViewModel(AppContext ctx) {
        this.ctx = ctx;
        this.manager = new DownloadManager(ctx.dirs.models(), d -> ctx.ui.execute(() -> update(d)));
        catalogue.setAll(Catalogue.load());
    }

    public ObservableList<CatalogueEntry> catalogue() {
        return catalogue;
    }

    public ObservableList<Download> downloads() {
        return downloadsView;
    }

    public Path folder() {
        return manager.folder();
    }

    public void start(CatalogueEntry e) {
        update(manager.start(URI.create(e.url()), null, e.sha256()));
    }

    /** Any http(s) address of a .gguf file. */
    public void start(String url) {
        try {
            update(manager.start(URI.create(url.trim()), null, null));
        } catch (IllegalArgumentException e) {
            ctx.notice(e.getMessage());
        }
    }

    public void pause(Download d) {
        manager.pause(d.id());
    }

    public void resume(Download d) {
        update(manager.resume(d.id()));
    }

    public void cancel(Download d) {
        manager.cancel(d.id());
    }

    private void update(Download d) {
        for (int i = 0; i < downloads.size(); i++) {
            if (downloads.get(i).id().equals(d.id())) {
                downloads.set(i, d);
                return;
            }
        }
        downloads.add(d);
        if (d.state() == Download.State.CORRUPT || d.state() == Download.State.FAILED) {
            ctx.notice(d.id() + ": " + d.message());
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
