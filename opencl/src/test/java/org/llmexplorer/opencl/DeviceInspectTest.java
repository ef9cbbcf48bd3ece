package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.inspect.KnockOut;
import org.llmexplorer.engine.inspect.LogitLens;
import org.llmexplorer.engine.inspect.Pass;
import org.llmexplorer.engine.inspect.Patching;
import org.llmexplorer.engine.model.Model;

/** The deeper views with the model on the device: the probes read device memory, and agree with the CPU. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceInspectTest {
    private OpenClCompute device;
    private Compute cpu;
    private Model model;

    @BeforeAll
    void start() throws Exception {
        device = TestDevice.compute();
        cpu = new SimdCompute(2);
        model = Model.open(Shared.path("models/stories260K.gguf"));
    }

    @AfterAll
    void stop() {
        model.close();
        cpu.close();
        device.close();
    }

    /** The lens of every layer names the CPU's tokens, with probabilities within the device's rounding. */
    @Test
    void theLensOnTheDeviceIsTheCpusLens() {
        int[] t = model.tokenizer().encode("Once upon a time there was a little girl", true, true);
        LogitLens onDevice = LogitLens.of(new Pass(model, device, null), t, 3, null, null);
        LogitLens onCpu = LogitLens.of(new Pass(model, cpu, null), t, 3, null, null);
        org.junit.jupiter.api.Assertions.assertTrue(new Pass(model, device, null).deviceNote().contains("runs on the CPU"));
        assertEquals("", new Pass(model, cpu, null).deviceNote());
        for (int l = 0; l < onCpu.layers(); l++) {
            for (int p = 0; p < t.length; p++) {
                assertEquals(onCpu.answer(l, p).id(), onDevice.answer(l, p).id(), "layer " + l + " position " + p);
                assertEquals(onCpu.answer(l, p).p(), onDevice.answer(l, p).p(), 1e-3);
            }
        }
    }

    /** Knocking out nothing and patching the whole stream at the last layer are exact on the device too. */
    @Test
    void knockOutAndPatchingHoldTheirIdentitiesOnTheDevice() {
        Pass pass = new Pass(model, device, null);
        int[] clean = model.tokenizer().encode("Tom had a red ball. Tom gave the ball to", true, true);
        int[] corrupted = model.tokenizer().encode("Ben had a red ball. Ben gave the ball to", true, true);
        float[] intact = pass.logits(clean, null);
        var none = new KnockOut.Spec(List.of(), List.of(), KnockOut.Mode.MEAN);
        assertArrayEquals(intact, pass.logits(clean, KnockOut.probe(model.config(), none, KnockOut.Means.of(pass, clean))), 0f);
        Patching patching = new Patching(pass, clean, corrupted);
        int last = model.config().layers() - 1;
        assertArrayEquals(intact, patching.patched(last, null), 0f);
        assertArrayEquals(pass.logits(corrupted, null), patching.patched(1, new int[0]), 0f);

        // A head knocked out on the device moves the answer as it does on the CPU.
        var head = new KnockOut.Spec(List.of(new KnockOut.Head(4, 2)), List.of(), KnockOut.Mode.ZERO);
        KnockOut.Comparison d = KnockOut.compare(pass, clean, head, -1, 5, 8);
        KnockOut.Comparison c = KnockOut.compare(new Pass(model, cpu, null), clean, head, -1, 5, 8);
        assertEquals(c.knocked()[0].id(), d.knocked()[0].id());
        assertEquals(c.knocked()[0].p(), d.knocked()[0].p(), 1e-3);
        assertArrayEquals(c.knockedContinuation(), d.knockedContinuation());
    }
}
