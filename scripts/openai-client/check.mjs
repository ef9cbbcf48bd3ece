// llmx serve against the official openai npm package (dev only).
//   node check.mjs BASE_URL MODEL PROMPT EXPECTED_GREEDY_TEXT N_TOKENS
// Prints one JSON line of what it checked; exits 1 naming the first thing that differs.
import OpenAI from 'openai';

const [baseURL, model, prompt, expected, nArg] = process.argv.slice(2);
const n = Number(nArg);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
const checked = [];
function check(cond, what) {
  if (!cond) { console.error('openai-client check failed: ' + what); process.exit(1); }
  checked.push(what);
}

const models = await client.models.list();
check(models.data.length === 1 && models.data[0].id === model, 'models.list names the model');

const greedy = { model, max_tokens: n, temperature: 0 };
const chat = await client.chat.completions.create({ ...greedy, messages: [{ role: 'user', content: prompt }],
  logprobs: true, top_logprobs: 3 });
check(chat.choices[0].message.content === expected, `chat text equals llmx generate's: ${JSON.stringify(chat.choices[0].message.content)}`);
const lp = chat.choices[0].logprobs.content;
check(lp.length === n && lp.every(t => t.top_logprobs.length === 3 && t.top_logprobs[0].token === t.token),
  'chat logprobs: one per token, three alternatives, greedy picks the first');
check(chat.usage.completion_tokens === n, 'usage counts the tokens');

const completion = await client.completions.create({ ...greedy, prompt, logprobs: 2 });
check(completion.choices[0].text === expected, 'completion text equals llmx generate\'s');
check(completion.choices[0].logprobs.tokens.length === n, 'completion logprobs: one per token');

let streamed = '';
let finish = null;
let usage = null;
const stream = await client.chat.completions.create({ ...greedy, messages: [{ role: 'user', content: prompt }],
  stream: true, stream_options: { include_usage: true } });
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    streamed += c.delta?.content ?? '';
    finish = c.finish_reason ?? finish;
  }
  usage = chunk.usage ?? usage;
}
check(streamed === expected, 'streamed chat equals the whole one');
check(finish === 'length' && usage?.completion_tokens === n, 'stream ends with finish_reason and usage');

try {
  await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
  check(false, 'an unknown model is refused');
} catch (e) {
  check(e instanceof OpenAI.NotFoundError && e.code === 'model_not_found', 'an unknown model gives NotFoundError');
}
try {
  await client.completions.create({ model, prompt, temperature: -1 });
  check(false, 'a negative temperature is refused');
} catch (e) {
  check(e instanceof OpenAI.BadRequestError && e.param === 'temperature', 'a bad field gives BadRequestError naming it');
}
console.log(JSON.stringify({ ok: true, checked }));
