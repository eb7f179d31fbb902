// Streams and completes one prompt through Tokenstream's OpenAI-compatible facade with the official SDK, then
// starts a long stream of <slowModel> and goes away after its third chunk (its stream id is printed, so the test
// can check that the facade cancelled it); then starts another and cancels it through the control API after its
// second chunk: the SDK must raise the facade's error, code "cancelled", not end as if the answer were whole.
// Usage: node facade.mjs <baseURL> <model> <prompt> <seed> <maxTokens> <slowModel> <controlURL>; prints one JSON
// line.
import OpenAI from 'openai';

const [baseURL, model, prompt, seed, maxTokens, slowModel, controlURL] = process.argv.slice(2);
// The tenant's Tokenstream API key, as an application sets OpenAI's (OPENAI_API_KEY): Authorization: Bearer.
const client = new OpenAI({ baseURL, apiKey: process.env.TOKENSTREAM_API_KEY });
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

// A reasoning effort: the simulator thinks first, and its reasoning arrives as delta.reasoning_content.
let reasoning = '';
let reasonedText = '';
for await (const chunk of await client.chat.completions.create({
  ...request, reasoning_effort: 'low', stream: true,
})) {
  reasoning += chunk.choices[0]?.delta?.reasoning_content ?? '';
  reasonedText += chunk.choices[0]?.delta?.content ?? '';
}

let errorStatus = null;
try {
  await client.chat.completions.create({ ...request, messages: [] });
} catch (error) {
  errorStatus = error.status;
}

// Tools: the SDK's own stream helper accumulates the call's fragments into the final message.
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a place',
  parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];
const toolStream = client.chat.completions.stream({
  model, messages: [{ role: 'user', content: 'weather in Oslo' }], tools, max_tokens: 200,
});
const toolAnswer = await toolStream.finalChatCompletion();
const toolCall = toolAnswer.choices[0].message.tool_calls?.[0];
// The tool's result sent back, as an agent loop does: the model answers in text.
const afterTool = await client.chat.completions.create({ model, tools, max_tokens: 30, messages: [
  { role: 'user', content: 'weather in Oslo' }, toolAnswer.choices[0].message,
  { role: 'tool', tool_call_id: toolCall.id, content: '12 degrees and rain' }] });

let wrongKeyStatus = null;
try {
  await new OpenAI({ baseURL, apiKey: 'tsk_000000000000_' + 'A'.repeat(43) }).chat.completions.create(request);
} catch (error) {
  wrongKeyStatus = error.status;
}

const abandonedPrompt = `Tell a long story ${crypto.randomUUID()}`;
const { data: slow, response: slowResponse } = await client.chat.completions.create({
  model: slowModel, messages: [{ role: 'user', content: abandonedPrompt }], max_tokens: 300, stream: true,
}).withResponse();
const abandonedStreamId = slowResponse.headers.get('x-tokenstream-stream-id');
let seen = 0;
let abandonedAtMillis = null;
for await (const chunk of slow) {
  if (++seen === 3) {
    abandonedAtMillis = Date.now();
    slow.controller.abort();
    break;
  }
}

const { data: cancelled, response: cancelledResponse } = await client.chat.completions.create({
  model: slowModel, messages: [{ role: 'user', content: 'Tell another long story' }], max_tokens: 300, stream: true,
}).withResponse();
const cancelledStreamId = cancelledResponse.headers.get('x-tokenstream-stream-id');
let cancelledChunks = 0;
let cancelledFinishReason = null;
let cancelledError = null;
try {
  for await (const chunk of cancelled) {
    cancelledFinishReason = chunk.choices[0]?.finish_reason ?? cancelledFinishReason;
    if (++cancelledChunks === 2) {
      const answer = await fetch(`${controlURL}/v1/streams/${cancelledStreamId}/cancel`, {
        method: 'POST', headers: { Authorization: `Bearer ${process.env.TOKENSTREAM_API_KEY}` },
      });
      if (answer.status !== 202) {
        throw new Error(`cancel answered ${answer.status}`);
      }
    }
  }
} catch (error) {
  cancelledError = { name: error.constructor.name, code: error.code ?? null, message: error.message };
}

console.log(JSON.stringify({
  cancelledChunks, cancelledFinishReason, cancelledError,
  abandonedStreamId, abandonedAfterChunks: seen, abandonedAtMillis, abandonedPrompt,
  text, finishReason, usage, chunks, reasoning, reasonedText,
  completionText: completion.choices[0].message.content,
  completionFinishReason: completion.choices[0].finish_reason,
  errorStatus, wrongKeyStatus,
  toolName: toolCall?.function?.name, toolArguments: toolCall?.function?.arguments,
  toolFinishReason: toolAnswer.choices[0].finish_reason,
  afterToolText: afterTool.choices[0].message.content, afterToolCalls: afterTool.choices[0].message.tool_calls ?? null,
}));
