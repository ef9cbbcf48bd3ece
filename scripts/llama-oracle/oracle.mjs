// llama.cpp as a test oracle (dev only; llama.cpp stays out of the product).
// Reads one JSON request per line on standard input and answers one JSON line each:
//   {"model": PATH, "prompt": TEXT | "prompt_ids": [..], "n": N, "top": K, "all_positions": true}
// -> {"prompt_ids": [..], "greedy": [..], "steps": [{"top": [[id, p], ...]}, ...]}
// "steps" has an entry for every position whose next token llama.cpp predicted: with all_positions,
// the prompt's positions too (so steps[i] is the distribution after token i of prompt + greedy),
// else only the generated ones. p is the softmax of the raw logits, top K by probability.
// A model stays loaded while requests name it.
import {getLlama} from "node-llama-cpp";
import readline from "node:readline";

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let loaded = null;

async function load(path) {
  if (loaded?.path === path) return loaded;
  if (loaded) await loaded.model.dispose();
  const model = await llama.loadModel({modelPath: path});
  loaded = {path, model};
  return loaded;
}

function top(probabilities, k) {
  const out = [];
  for (const [id, p] of probabilities) { out.push([id, p]); if (out.length >= k) break; }
  return out;
}

async function answer(req) {
  const {model} = await load(req.model);
  const n = req.n ?? 16, k = req.top ?? 5;
  let ids = req.prompt_ids;
  if (!ids) {
    const bos = model.tokens.bos;
    const addBos = bos != null && model.fileInsights?.metadata?.tokenizer?.ggml?.add_bos_token !== false;
    ids = [...(addBos ? [bos] : []), ...model.tokenize(req.prompt, false)];
  }
  // As the engine computes: an F32 KV cache (llama.cpp's default is F16) and no flash attention;
  // a Q8_0 cache needs flash attention (llama.cpp attends over quantized values in no other way).
  const kv = req.kv ?? "F32";
  const context = await model.createContext({contextSize: Math.max(64, ids.length + n + 8), threads: req.threads ?? 1,
    sequences: 1, batchSize: Math.max(32, ids.length), flashAttention: kv === "Q8_0",
    experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv});
  try {
    const seq = context.getSequence();
    const steps = [];
    const greedy = [];
    const want = ids.map((t, i) => (req.all_positions || i === ids.length - 1)
      ? [t, {generateNext: {probabilities: true}}] : t);
    const res = await seq.controlledEvaluate(want);
    for (let i = 0; i < res.length; i++) {
      if (res[i]?.next?.probabilities) steps.push({top: top(res[i].next.probabilities, k)});
    }
    let next = steps[steps.length - 1].top[0][0];
    while (greedy.length < n && next !== model.tokens.eos) {
      greedy.push(next);
      if (greedy.length >= n) break;
      const r = await seq.controlledEvaluate([[next, {generateNext: {probabilities: true}}]]);
      const probs = r[0].next.probabilities;
      steps.push({top: top(probs, k)});
      next = steps[steps.length - 1].top[0][0];
    }
    return {prompt_ids: ids, greedy, steps};
  } finally {
    await context.dispose();
  }
}

const rl = readline.createInterface({input: process.stdin});
for await (const line of rl) {
  if (!line.trim()) continue;
  try {
    console.log(JSON.stringify(await answer(JSON.parse(line))));
  } catch (e) {
    console.log(JSON.stringify({error: String(e?.message ?? e)}));
  }
}
process.exit(0);
