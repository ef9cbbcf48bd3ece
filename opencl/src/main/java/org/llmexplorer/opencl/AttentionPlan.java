package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.MaskPlan;

/**
 * Which keys each new query may see, in the form the attention kernel reads: the plan's
 * distinct masks become "slots"; per slot and new token a range {first, n, list} where list
 * &lt; 0 means the keys first .. first + n - 1 (causal and sliding windows, so nothing more is
 * sent), otherwise n keys listed at lists[list ..]; per layer and head the slot it runs under.
 * The masks themselves say which keys are allowed ({@link AttentionMask#keys}), so any mask the
 * CPU path runs, the device runs.
 */
record AttentionPlan(int count, int length, List<AttentionMask> slots, int[] headSlots, int[] ranges, int[] lists,
                     long pairs) {

    /** The plan of a pass of count tokens from startPos, for a model of these layers and heads. */
    static AttentionPlan of(MaskPlan masks, int layers, int heads, int startPos, int count) {
        int length = startPos + count;
        Map<AttentionMask, Integer> slotOf = new LinkedHashMap<>();
        int[] headSlots = new int[layers * heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                AttentionMask m = masks.mask(l, h);
                Integer slot = slotOf.get(m);
                if (slot == null) {
                    slot = slotOf.size();
                    slotOf.put(m, slot);
                }
                headSlots[l * heads + h] = slot;
            }
        }
        List<AttentionMask> slots = new ArrayList<>(slotOf.keySet());
        int[] ranges = new int[3 * slots.size() * count];
        int[] lists = new int[16];
        int listed = 0;
        int[] keys = new int[length];
        long[] pairsOfSlot = new long[slots.size()];
        for (int s = 0; s < slots.size(); s++) {
            for (int t = 0; t < count; t++) {
                int n = slots.get(s).keys(startPos + t, length, keys);
                int at = 3 * (s * count + t);
                ranges[at] = n > 0 ? keys[0] : 0;
                ranges[at + 1] = n;
                ranges[at + 2] = -1;
                if (n > 0 && keys[n - 1] - keys[0] != n - 1) { // not one run of keys: list them
                    if (listed + n > lists.length) {
                        lists = Arrays.copyOf(lists, Math.max(2 * lists.length, listed + n));
                    }
                    System.arraycopy(keys, 0, lists, listed, n);
                    ranges[at + 2] = listed;
                    listed += n;
                }
                pairsOfSlot[s] += n;
            }
        }
        long pairs = 0;
        for (int slot : headSlots) {
            pairs += pairsOfSlot[slot];
        }
        return new AttentionPlan(count, length, slots, headSlots, ranges, Arrays.copyOf(lists, Math.max(1, listed)),
                pairs);
    }

    /** The allowed keys of new token t under the mask of (layer, head), into keys; returns how many. */
    int keys(int layer, int head, int heads, int t, int[] keys) {
        int at = 3 * (headSlots[layer * heads + head] * count + t);
        int n = ranges[at + 1];
        for (int i = 0; i < n; i++) {
            keys[i] = ranges[at + 2] < 0 ? ranges[at] + i : lists[ranges[at + 2] + i];
        }
        return n;
    }

    /** Keys allowed to new token t under the mask of (layer, head). */
    int allowed(int layer, int head, int heads, int t) {
        return ranges[3 * (headSlots[layer * heads + head] * count + t) + 1];
    }
}
