package dev.tokenstream.ingest.provider;

import dev.tokenstream.events.ToolCall;
import dev.tokenstream.events.Usage;

/** What a {@link ProviderClient} reports while it reads a provider's stream, in the order it arrives. */
interface UpstreamSink {

    /** The provider sent an event that carries no content (a role chunk, a block start, a usage chunk). */
    void event();

    /** A piece of answer text; {@code refusal} when the model refuses (OpenAI's {@code delta.refusal}). */
    void text(String text, boolean refusal);

    /** A piece of the model's reasoning. */
    void reasoning(String text);

    /** A tool call's fragment ({@code complete=false}) or the whole call. */
    void toolCall(ToolCall call);

    /** The usage as reported so far; a later report replaces an earlier one (the counts are cumulative). */
    void usage(Usage usage);

    /** The provider's finish (stop) reason. */
    void finish(String reason);

    /** @return true when a cancel or a timeout ended the call: stop reading. */
    boolean cancelled();
}
