// Drives Tokenstream's AI SDK chat endpoint with the `ai` package's own DefaultChatTransport and UI message stream
// reader, as useChat does: an answer with reasoning and a tool call; a chat whose connection is cut mid-stream and
// resumed with the transport's reconnectToStream (the AI SDK's resume), then continued with a second message; a
// chat stopped mid-stream (the connection closed, no resume: the test checks the stream was cancelled).
// Usage: node ai-sdk.mjs <api> <model> <slowModel> <storyPrompt>; prints one JSON line.
import { DefaultChatTransport, readUIMessageStream } from 'ai';

const [api, model, slowModel, storyPrompt] = process.argv.slice(2);
const headers = { Authorization: `Bearer ${process.env.TOKENSTREAM_API_KEY}` };
const transport = (body) => new DefaultChatTransport({ api, headers, body });
const userMessage = (text) => ({ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] });

/** @returns the last message state readUIMessageStream built from `stream` */
async function lastMessage(stream) {
  let message;
  for await (const snapshot of readUIMessageStream({ stream })) {
    message = snapshot;
  }
  return message;
}

/** Reads chunks until `until(chunks)` holds, then aborts the request as useChat's stop() does. */
async function readThenAbort(chat, body, text, until) {
  const abort = new AbortController();
  const stream = await transport(body).sendMessages({
    chatId: chat, messages: [userMessage(text)], trigger: 'submit-message', messageId: undefined,
    abortSignal: abort.signal,
  });
  const reader = stream.getReader();
  const chunks = [];
  while (!until(chunks)) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  abort.abort();
  await reader.cancel().catch(() => {});
  return chunks;
}

const textOf = (message) => message.parts.filter((p) => p.type === 'text').map((p) => p.text).join('');
const deltas = (chunks) => chunks.filter((c) => c.type === 'text-delta');

// 1. Reasoning and a tool call.
const tools = [{ name: 'get_weather', description: 'The weather in a place',
  parameters: { type: 'object', properties: { query: { type: 'string' } } } }];
const toolsChat = `tools-${crypto.randomUUID()}`;
const weather = userMessage(`weather in Oslo ${crypto.randomUUID()}`);
const toolAnswer = await lastMessage(await transport({ model, reasoningEffort: 'low', tools }).sendMessages({
  chatId: toolsChat, messages: [weather], trigger: 'submit-message', messageId: undefined,
}));
const toolPart = toolAnswer.parts.find((p) => p.type.startsWith('tool-') || p.type === 'dynamic-tool');
// The client-side tool's output, as addToolOutput sets it; the chat goes on with it.
const answered = { ...toolAnswer, parts: toolAnswer.parts.map((p) => (p === toolPart
  ? { ...p, state: 'output-available', output: { temperature: 12, sky: 'rain' } } : p)) };
const afterTool = await lastMessage(await transport({ model, maxTokens: 20, tools }).sendMessages({
  chatId: toolsChat, messages: [weather, answered], trigger: 'submit-message', messageId: undefined,
}));

// 2. Cut after five text deltas, resumed from the durable log; then a second message in the same chat.
const storyChat = `story-${crypto.randomUUID()}`;
const beforeCut = await readThenAbort(storyChat, { model: slowModel, maxTokens: 60 }, storyPrompt,
  (chunks) => deltas(chunks).length >= 5);
const resumed = await transport({}).reconnectToStream({ chatId: storyChat });
const resumedMessage = await lastMessage(resumed);
const followUp = `Shorter, please ${crypto.randomUUID()}`;
const followUpAnswer = await lastMessage(await transport({ model, maxTokens: 20 }).sendMessages({
  chatId: storyChat, messages: [userMessage(storyPrompt), resumedMessage, userMessage(followUp)],
  trigger: 'submit-message', messageId: undefined,
}));

// Regenerate: the AI SDK drops the last answer and sends the conversation ending with the user's message again.
const regenerated = await lastMessage(await transport({ model, maxTokens: 20 }).sendMessages({
  chatId: storyChat, messages: [userMessage(storyPrompt), resumedMessage, userMessage(followUp)],
  trigger: 'regenerate-message', messageId: followUpAnswer.id,
}));

// 3. Stopped after three text deltas, never resumed.
const stopped = await readThenAbort(`stop-${crypto.randomUUID()}`, { model: slowModel, maxTokens: 300 },
  'Tell another long story', (chunks) => deltas(chunks).length >= 3);

const nothing = await transport({}).reconnectToStream({ chatId: `empty-${crypto.randomUUID()}` });

console.log(JSON.stringify({
  tool: { reasoning: toolAnswer.parts.filter((p) => p.type === 'reasoning').map((p) => p.text).join(''),
    type: toolPart?.type, toolName: toolPart?.toolName, state: toolPart?.state, input: toolPart?.input,
    prompt: weather.parts[0].text, afterToolText: textOf(afterTool) },
  story: { streamId: beforeCut[0].messageId.replace(/^msg_/, ''),
    textBeforeCut: deltas(beforeCut).map((c) => c.delta).join(''), resumedText: textOf(resumedMessage),
    followUp, followUpText: textOf(followUpAnswer), followUpStreamId: followUpAnswer.id.replace(/^msg_/, ''),
    regeneratedStreamId: regenerated.id.replace(/^msg_/, ''), regeneratedText: textOf(regenerated) },
  stopped: { streamId: stopped[0].messageId.replace(/^msg_/, ''), deltas: deltas(stopped).length },
  emptyResume: nothing,
}));
