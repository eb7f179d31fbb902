// Streams and completes one prompt through Tokenstream's OpenAI-compatible facade with the official SDK.
// Usage: node facade.mjs <baseURL> <model> <prompt> <seed> <maxTokens>; prints one JSON line.
import OpenAI from 'openai';

const [baseURL, model, prompt, seed, maxTokens] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'not-needed' });
const request = {
  model,
  messages: [{ role: 'user', content: prompt }],
  seed: Number(seed),
  max_tokens: Number(maxTokens),
};

const stream = await client.chat.completions.create({
  ...request, stream: true, stream_options: { include_usage: true },
});
let text = '';
let finishReason = null;
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  for (const choice of chunk.choices) {
    text += choice.delta?.content ?? '';
    finishReason = choice.finish_reason ?? finishReason;
  }
  usage = chunk.usage ?? usage;
}
const completion = await client.chat.completions.create(request);

let errorStatus = null;
try {
  await client.chat.completions.create({ ...request, messages: [] });
} catch (error) {
  errorStatus = error.status;
}

console.log(JSON.stringify({
  text, finishReason, usage, chunks,
  completionText: completion.choices[0].message.content,
  completionFinishReason: completion.choices[0].finish_reason,
  errorStatus,
}));
