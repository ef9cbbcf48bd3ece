package org.llmexplorer.engine.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalogue offers every mask the parser knows, with exactly its parameters, and round-trips specs. */
class MaskCatalogueTest {

    @Test
    void everyMaskOfTheParserWithItsParameters() {
        Set<String> names = MaskCatalogue.all().stream().map(MaskCatalogue.Kind::name).collect(Collectors.toSet());
        assertEquals(MaskSpec.PARAMETERS.keySet(), names);
        for (MaskCatalogue.Kind k : MaskCatalogue.all()) {
            assertEquals(Set.copyOf(MaskSpec.PARAMETERS.get(k.name())),
                    k.params().stream().map(MaskCatalogue.Param::key).collect(Collectors.toSet()), k.name());
            assertTrue(k.description().endsWith("."), k.name());
        }
    }

    @Test
    void specsOfEveryValueInRangeParseAndReadBack() {
        for (MaskCatalogue.Kind k : MaskCatalogue.all()) {
            for (MaskCatalogue.Param p : k.params()) {
                List<String> values = switch (p.kind()) {
                    case INT -> List.of(String.valueOf(p.min()), String.valueOf(p.max()), p.defaultValue());
                    case BOOL -> List.of("true", "false");
                    case CHOICE -> p.choices();
                    case POSITIONS -> List.of("0", "0+5", "3+1+7");
                };
                for (String v : values) {
                    Map<String, String> m = new HashMap<>(k.defaults());
                    m.put(p.key(), v);
                    String spec = k.spec(m);
                    MaskPlan plan;
                    try {
                        plan = MaskPlan.parse(spec, MaskPlan.causal());
                    } catch (IllegalArgumentException e) { // the one rule between two parameters
                        assertEquals("fixed: c must be in 1..l, got " + m.get("c"), e.getMessage(), spec);
                        continue;
                    }
                    assertTrue(plan.mask(0, 0).matrix(12).length == 12, spec);
                    MaskCatalogue.Reading r = MaskCatalogue.read(spec).orElseThrow(() -> new AssertionError(spec));
                    assertEquals(k, r.kind());
                    assertEquals(m, r.values(), spec);
                    assertEquals(spec, k.spec(r.values()));
                }
            }
        }
    }

    @Test
    void valuesReachTheMask() {
        MaskCatalogue.Kind sliding = MaskCatalogue.kind("sliding").orElseThrow();
        assertEquals("sliding:w=5", sliding.spec(Map.of("w", "5")));
        assertEquals(new SlidingWindowMask(5, false), MaskSpec.parse(sliding.spec(Map.of("w", "5", "causal", "false"))));
        assertEquals("fixed:l=8,c=2,head=split", MaskCatalogue.kind("fixed").orElseThrow()
                .spec(Map.of("head", "split")));
    }

    @Test
    void plansAndInvalidTextAreNotReadAsOneMask() {
        assertTrue(MaskCatalogue.read("L0-1@sliding:w=4").isEmpty());
        assertTrue(MaskCatalogue.read("sliding:w=4;causal").isEmpty());
        assertTrue(MaskCatalogue.read("sliding").isEmpty(), "sliding needs w");
        assertTrue(MaskCatalogue.read("nonsense").isEmpty());
        assertEquals("8", MaskCatalogue.read(" sliding:w=8 ").orElseThrow().values().get("w"));
    }
}
