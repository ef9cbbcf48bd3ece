package org.llmexplorer.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.planted.PlantedViolation;
import org.llmexplorer.engine.planted2.Back;

/**
 * The layer rules of docs/ARCHITECTURE.md as ArchUnit rules over the compiled classes of every
 * module (the application's test class path holds them all): which packages may use which, and
 * no cycles between packages (a package with its sub-packages counts as one: engine.compute
 * with engine.compute.simd). Each rule is also shown to fail on classes made to break it.
 */
class ArchitectureRulesTest {
    static JavaClasses main;

    @BeforeAll
    static void importClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.llmexplorer");
    }

    static final ArchRule ENGINE_KNOWS_NO_SCREEN_DEVICE_OR_OTHER_MODULE = noClasses()
            .that().resideInAPackage("org.llmexplorer.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.lwjgl..", "org.llmexplorer.app..",
                    "org.llmexplorer.opencl..", "org.llmexplorer.server..")
            .because("the engine knows no screen and names no backend or front end");

    static final ArchRule MODULES_KNOW_NO_SCREEN = noClasses()
            .that().resideInAnyPackage("org.llmexplorer.opencl..", "org.llmexplorer.server..")
            .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.llmexplorer.app..")
            .because("the OpenCL backend and the server run without a window");

    static final ArchRule SERVER_NAMES_NO_DEVICE = noClasses()
            .that().resideInAPackage("org.llmexplorer.server..")
            .should().dependOnClassesThat().resideInAnyPackage("org.lwjgl..", "org.llmexplorer.opencl..");

    static final ArchRule VIEW_MODELS_KNOW_NO_VIEWS = noClasses()
            .that().resideInAPackage("org.llmexplorer.app.viewmodel..")
            .should().dependOnClassesThat().resideInAnyPackage("org.llmexplorer.app.view", "javafx.scene..");

    static final ArchRule STORE_KNOWS_NO_JAVAFX = noClasses()
            .that().resideInAPackage("org.llmexplorer.app.store..")
            .should().dependOnClassesThat().resideInAPackage("javafx..");

    static final ArchRule VIEWS_REACH_THE_ENGINE_THROUGH_VIEW_MODELS = noClasses()
            .that().resideInAPackage("org.llmexplorer.app.view")
            .should().dependOnClassesThat().haveFullyQualifiedName("org.llmexplorer.engine.session.ChatSession")
            .orShould().dependOnClassesThat().resideInAPackage("org.llmexplorer.server..");

    /** engine.X and app.X (with their sub-packages) are units; opencl and server are one unit each. */
    static final SliceAssignment UNITS = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String[] p = c.getPackageName().split("\\.");
            if (p.length < 3 || !p[0].equals("org") || !p[1].equals("llmexplorer")) {
                return SliceIdentifier.ignore();
            }
            int keep = (p[2].equals("engine") || p[2].equals("app")) && p.length >= 4 ? 4 : 3;
            return SliceIdentifier.of(String.join(".", java.util.Arrays.copyOf(p, keep)));
        }

        @Override
        public String getDescription() {
            return "packages with their sub-packages";
        }
    };

    static final ArchRule NO_CYCLES = slices().assignedFrom(UNITS).should().beFreeOfCycles();

    static final List<ArchRule> RULES = List.of(ENGINE_KNOWS_NO_SCREEN_DEVICE_OR_OTHER_MODULE, MODULES_KNOW_NO_SCREEN,
            SERVER_NAMES_NO_DEVICE, VIEW_MODELS_KNOW_NO_VIEWS, STORE_KNOWS_NO_JAVAFX,
            VIEWS_REACH_THE_ENGINE_THROUGH_VIEW_MODELS, NO_CYCLES);

    @Test
    void everyModuleKeepsTheLayerRules() {
        assertTrue(main.size() > 300, "the classes of every module were found: " + main.size());
        assertTrue(main.stream().anyMatch(c -> c.getPackageName().equals("org.llmexplorer.opencl"))
                && main.stream().anyMatch(c -> c.getPackageName().equals("org.llmexplorer.server")), "opencl and server too");
        for (ArchRule rule : RULES) {
            rule.check(main);
        }
    }

    @Test
    void theRulesFailOnAPlantedViolation() {
        JavaClasses planted = new ClassFileImporter().importClasses(PlantedViolation.class, Back.class,
                org.llmexplorer.engine.generate.Generator.class);
        assertTrue(ENGINE_KNOWS_NO_SCREEN_DEVICE_OR_OTHER_MODULE.evaluate(planted).hasViolation(),
                "an engine class using JavaFX and the application is caught");
        assertTrue(NO_CYCLES.evaluate(planted).hasViolation(), "a cycle between two engine packages is caught");
        assertFalse(NO_CYCLES.evaluate(new ClassFileImporter().importClasses(Back.class)).hasViolation(),
                "one class alone is no cycle");
    }
}
