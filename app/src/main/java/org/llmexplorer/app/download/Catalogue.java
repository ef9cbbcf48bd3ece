package org.llmexplorer.app.download;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The built-in catalogue ({@code catalogue.json} beside this class). */
public final class Catalogue {
    private Catalogue() {
    }

    public static List<CatalogueEntry> load() {
        try (InputStream in = Catalogue.class.getResourceAsStream("catalogue.json")) {
            return new ObjectMapper().readValue(in, new TypeReference<List<CatalogueEntry>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
