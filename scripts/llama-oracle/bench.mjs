// llama.cpp's speed on a GGUF file (dev only), timed as llama-bench times it: one batch of P
// prompt tokens, then G single-token decodes, optionally after D tokens already in the context;
// medians of R runs after a warm-up. One JSON line.
//   node bench.mjs --model F [--threads T] [--prompt P] [--gen G] [--depth D] [--reps R]
import {getLlama} from "node-llama-cpp";

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const threads = +(opt.threads ?? 1), P = +(opt.prompt ?? 128), G = +(opt.gen ?? 64), D = +(opt.depth ?? 0),
  R = +(opt.reps ?? 3);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const loadStart = process.hrtime.bigint(); // the file to a context ready to decode, as our bench's load_ms + ready_ms
const model = await llama.loadModel({modelPath: opt.model});
const context = await model.createContext({contextSize: Math.max(512, D + P + G + 16), batchSize: Math.max(P, D, 32),
  threads, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: opt.kv ?? "F32",
  experimentalKvCacheValueType: opt.kv ?? "F32"});
const seq = context.getSequence();
const ctx = context._ctx, id = seq._sequenceId; // the addon's batch interface: decode calls with nothing around them
ctx.setThreads(threads);
const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
const tokens = n => Array.from({length: n}, (_, i) => 100 + (i % 1000));

async function decode(ts, pos) {
  ctx.initBatch(ts.length);
  ctx.addToBatch(id, pos, Uint32Array.from(ts), Uint32Array.from([ts.length - 1]));
  await ctx.decodeBatch();
}

async function once() {
  ctx.removeTokenCellsFromSequence(id, 0, 1 << 30);
  if (D > 0) await decode(tokens(D), 0);
  let t0 = process.hrtime.bigint();
  if (P > 0) await decode(tokens(P), D);
  const pp = P / (Number(process.hrtime.bigint() - t0) / 1e9);
  ctx.removeTokenCellsFromSequence(id, D, 1 << 30);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < G; i++) await decode([100 + (i % 50)], D + i);
  const tg = G / (Number(process.hrtime.bigint() - t0) / 1e9);
  return [pp, tg];
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [firstPp] = await once(); // the warm-up: its prompt is the first one after loading
const pps = [], tgs = [];
for (let r = 0; r < R; r++) {
  const [p, t] = await once();
  pps.push(p);
  tgs.push(t);
}
console.log(JSON.stringify({pp_tps: +median(pps).toFixed(2), tg_tps: +median(tgs).toFixed(2), threads, prompt: P, gen: G,
  depth: D, load_ms: +loadMs.toFixed(0), first_pp_ms: P > 0 && D === 0 ? +(P / firstPp * 1000).toFixed(1) : null, kv: opt.kv ?? "F32", llama_cpp: "node-llama-cpp 3.21.1 prebuilt CPU build"}));
process.exit(0);
