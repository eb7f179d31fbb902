// Drives Tokenstream's Responses API facade with the official openai SDK: a streamed answer (its events, in order),
// reasoning and a function call, the same answer whole; then a background response whose connection is cut after a
// few events and resumed with retrieve(id, {stream: true, starting_after}); then a background response cancelled
// with responses.cancel (its stream id is printed, so the test can check the simulator's connection closed); then a
// three-turn conversation through previous_response_id, its second turn cancelled (the test asks the simulator what
// the third turn sent it).
// Usage: node responses.mjs <baseURL> <model> <prompt> <maxTokens> <slowModel>; prints one JSON line.
import OpenAI from 'openai';

const [baseURL, model, prompt, maxTokens, slowModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.TOKENSTREAM_API_KEY });

/** Reads a stream of events: their types and sequence numbers, the text, reasoning and calls they carry. */
async function read(stream, stopAfter = Infinity) {
  const seen = { types: [], sequence: [], text: '', reasoning: '', calls: [], response: null };
  for await (const event of stream) {
    seen.types.push(event.type);
    seen.sequence.push(event.sequence_number);
    if (event.type === 'response.output_text.delta') seen.text += event.delta;
    if (event.type === 'response.reasoning_text.delta') seen.reasoning += event.delta;
    if (event.type === 'response.output_item.done' && event.item.type === 'function_call') {
      seen.calls.push({ name: event.item.name, arguments: event.item.arguments, callId: event.item.call_id });
    }
    if (event.response) seen.response = event.response;
    if (seen.types.length >= stopAfter) {
      stream.controller.abort();
      break;
    }
  }
  return seen;
}

const streamed = await read(await client.responses.create({
  model, input: prompt, max_output_tokens: Number(maxTokens), stream: true,
}));
const whole = await client.responses.create({ model, input: prompt, max_output_tokens: Number(maxTokens) });

const tools = [{ type: 'function', name: 'get_weather', description: 'The weather in a place',
  parameters: { type: 'object', properties: { query: { type: 'string' } } } }];
const weather = `weather in Oslo ${crypto.randomUUID()}`;
const reasoned = await read(await client.responses.create({
  model, input: [{ role: 'user', content: weather }], reasoning: { effort: 'low' }, tools,
  max_output_tokens: 400, stream: true,
}));
// The function's output sent back after the response that called it: the model answers in text.
const afterTool = await client.responses.create({ model, tools, previous_response_id: reasoned.response.id,
  max_output_tokens: 30, input: [{ type: 'function_call_output', call_id: reasoned.calls[0].callId,
    output: '12 degrees and rain' }] });

// Background: the connection is cut after 12 events; the rest comes from the durable log.
const first = await read(await client.responses.create({
  model: slowModel, input: 'Tell a long story', max_output_tokens: 120, background: true, stream: true,
}), 12);
const backgroundId = first.response.id;
const lastSeen = first.sequence[first.sequence.length - 1];
const rest = await read(await client.responses.retrieve(backgroundId, { stream: true, starting_after: lastSeen }));
const retrieved = await client.responses.retrieve(backgroundId);

// Cancel: a background response, cancelled while it streams.
const queued = await client.responses.create({
  model: slowModel, input: 'Tell another long story', max_output_tokens: 300, background: true,
});
const inProgress = await read(await client.responses.retrieve(queued.id, { stream: true }), 8);
const cancelled = await client.responses.cancel(queued.id);

// A conversation: the second turn cancelled while it streams, the third continuing after it.
const nonce = crypto.randomUUID();
const textOf = (response) => response.output.filter((item) => item.type === 'message')
  .map((item) => item.content[0].text).join('');
const turns = [`Hello ${nonce}`, `Tell a long story ${nonce}`, `Shorter, please ${nonce}`];
const one = await client.responses.create({ model, input: turns[0], max_output_tokens: 30 });
const twoEvents = await read(await client.responses.create({
  model: slowModel, previous_response_id: one.id, input: turns[1], max_output_tokens: 300, background: true,
  stream: true,
}), 8);
const two = await client.responses.cancel(twoEvents.response.id);
const three = await client.responses.create({
  model, previous_response_id: two.id, input: turns[2], max_output_tokens: 30,
});

let notFoundStatus = null;
try {
  await client.responses.retrieve('resp_00000000-0000-7000-8000-000000000000');
} catch (error) {
  notFoundStatus = error.status;
}

console.log(JSON.stringify({
  streamed: { types: streamed.types, sequence: streamed.sequence, text: streamed.text,
    status: streamed.response.status, outputText: streamed.response.output
      .filter((item) => item.type === 'message').map((item) => item.content[0].text).join('') },
  whole: { status: whole.status, outputText: whole.output_text, outputTokens: whole.usage?.output_tokens },
  reasoned: { prompt: weather, reasoning: reasoned.reasoning, calls: reasoned.calls,
    status: reasoned.response.status, afterToolText: afterTool.output_text,
    afterToolTypes: afterTool.output.map((item) => item.type) },
  background: { id: backgroundId, firstSequence: first.sequence, restSequence: rest.sequence,
    text: first.text + rest.text, status: rest.response.status, retrievedStatus: retrieved.status,
    retrievedText: retrieved.output_text },
  cancel: { id: queued.id, queuedStatus: queued.status, eventsBefore: inProgress.types.length,
    status: cancelled.status },
  conversation: { turns, answers: [one.output_text, textOf(two), three.output_text],
    statuses: [one.status, two.status, three.status] },
  notFoundStatus,
}));
