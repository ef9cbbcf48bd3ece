package org.llmexplorer.app.download;

/**
 * A model in the catalogue of small GGUF files that run well on a laptop.
 *
 * @param sha256  the file's SHA-256 where the source publishes one (else checked from the
 *                server's X-Linked-ETag when it sends one)
 * @param bytes   approximate size
 * @param needs   what the engine still lacks to run it (empty: runs now)
 */
public record CatalogueEntry(String name, String parameters, String quant, long bytes, String license, String url,
                             String sha256, String needs) {
}
