package org.llmexplorer.engine.train;

/**
 * A text cut into a training part and a held-out part: runs of lines, every k-th run held out,
 * so that the held-out text comes from all over the corpus rather than from its end alone. A text
 * of too few lines for that gives its last share (from a word's start) instead.
 */
public record TextSplit(String train, String validation) {
    /** Lines per run (fewer for short texts). */
    static final int RUN = 100;

    public static TextSplit of(String text, double validationFraction) {
        if (validationFraction <= 0) {
            return new TextSplit(text, "");
        }
        int every = (int) Math.max(2, Math.round(1 / validationFraction));
        StringBuilder train = new StringBuilder();
        StringBuilder validation = new StringBuilder();
        String[] lines = text.split("(?<=\n)");
        int run = Math.max(1, Math.min(RUN, lines.length / (4 * every))); // shorter runs for short texts
        int runs = (lines.length + run - 1) / run;
        for (int r = 0; r < runs; r++) {
            // The held-out runs sit in the middle of each group of k, not at its start.
            StringBuilder into = runs >= every && r % every == every / 2 ? validation : train;
            for (int i = r * run; i < Math.min(lines.length, (r + 1) * run); i++) {
                into.append(lines[i]);
            }
        }
        if (validation.isEmpty() && text.length() > 1) {
            // Fewer lines than runs to choose from: hold out the text's last share instead,
            // cut where a word starts.
            int cut = (int) Math.round(text.length() * (1 - Math.min(0.5, validationFraction)));
            while (cut > text.length() / 2 && !Character.isWhitespace(text.charAt(cut - 1))) {
                cut--;
            }
            return new TextSplit(text.substring(0, cut), text.substring(cut));
        }
        return new TextSplit(train.toString(), validation.toString());
    }
}
