package dev.tokenstream.cli;

import dev.tokenstream.api.StartStreamRequest;
import dev.tokenstream.events.DeliveryFrame;
import dev.tokenstream.events.FrameType;
import dev.tokenstream.client.TokenstreamClient;
import dev.tokenstream.events.Micros;
import dev.tokenstream.events.GenerationParams;
import dev.tokenstream.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo [prompt]}: starts the local stack (unless one runs), streams the prompt from the provider
 * simulator and prints it token by token as the WebSocket delivers it, then shows pause, resume and cancel on a
 * second, longer stream, and ends with each stream's statistics.
 */
@Command(name = "demo", description = "Start the local stack, stream a prompt, show pause/resume/cancel and statistics.")
final class DemoCommand implements Callable<Integer> {

    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(30);
    private static final int TOKENS_BEFORE_PAUSE = 25;
    private static final int LIVE_TOKENS_BEFORE_CANCEL = 25;
    private static final Duration PAUSE = Duration.ofSeconds(2);

    @ParentCommand
    TokenstreamCli cli;

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "the prompt (default: a haiku about Kafka)")
    List<String> prompt;

    @Option(names = "--model", defaultValue = "sim-default", description = "simulated model of the first stream (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--keep-running", description = "leave the local stack running at the end")
    boolean keepRunning;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        LocalStack stack = cli.stack();
        boolean startedHere = !stack.isRunning();
        if (startedHere) {
            out.println("== Starting the local stack: Kafka (KRaft) and five services, logs in "
                    + stack.settings().workDir().resolve("logs"));
            stack.up();
        } else {
            out.println("== Using the local stack that is already running (./tokenstream status)");
        }
        Thread stopper = new Thread(stack::down, "demo-shutdown");
        if (startedHere && !keepRunning) {
            Runtime.getRuntime().addShutdownHook(stopper);
        }
        try {
            TokenstreamClient client = cli.client();
            String text = prompt == null || prompt.isEmpty() ? "Write a haiku about Kafka" : String.join(" ", prompt);
            String first = streamOnce(client, text);
            String second = streamWithControl(client);
            out.println();
            out.println("== Statistics");
            StatsTable.print(out, List.of(new StatsTable.Row("1: prompt", finalStatus(client, first)),
                    new StatsTable.Row("2: control", finalStatus(client, second))));
            return 0;
        } finally {
            if (startedHere && !keepRunning) {
                Runtime.getRuntime().removeShutdownHook(stopper);
                out.println();
                out.println("== Stopping the local stack");
                stack.down();
            }
        }
    }

    private String streamOnce(TokenstreamClient client, String text) throws InterruptedException {
        out.printf("%n== Stream 1: \"%s\" (simulator, %s)%n", text, model);
        long sent = System.nanoTime();
        var started = client.create(StartStreamRequest.prompt("simulator", model, text, null));
        BlockingQueue<DeliveryFrame> frames = new LinkedBlockingQueue<>();
        try (var subscription = client.subscribe(started.ws(), -1, frames::add)) {
            boolean firstToken = true;
            while (true) {
                DeliveryFrame frame = next(frames);
                if (frame.isToken()) {
                    if (firstToken) {
                        out.printf("[first token after %d ms]%n", (System.nanoTime() - sent) / 1_000_000);
                        firstToken = false;
                    }
                    out.print(frame.text());
                    out.flush();
                } else if (frame.isTerminal()) {
                    out.printf("%n[%s]%n", frame.type().wireName());
                    break;
                }
            }
            subscription.awaitClose(Duration.ofSeconds(5));
        }
        return started.streamId();
    }

    private String streamWithControl(TokenstreamClient client) throws InterruptedException {
        out.printf("%n== Stream 2: pause, resume and cancel (simulator, sim-fast: 50 tokens/s)%n");
        var started = client.create(StartStreamRequest.prompt("simulator", "sim-fast",
                "Tell me a long story about a stream processor", new GenerationParams(2000, null, 7L)));
        String id = started.streamId();
        BlockingQueue<DeliveryFrame> frames = new LinkedBlockingQueue<>();
        try (var subscription = client.subscribe(started.ws(), -1, frames::add)) {
            int tokens = 0;
            while (tokens < TOKENS_BEFORE_PAUSE) {
                tokens += print(next(frames));
            }
            client.pause(id);
            DeliveryFrame frame;
            while ((frame = next(frames)).type() != FrameType.PAUSED) {
                print(frame);
            }
            out.printf("%n[paused: holding delivery for %d s while the model keeps generating]", PAUSE.toSeconds());
            List<DeliveryFrame> whilePaused = new ArrayList<>();
            frames.drainTo(whilePaused);
            DeliveryFrame late = frames.poll(PAUSE.toMillis(), TimeUnit.MILLISECONDS);
            if (late != null) {
                whilePaused.add(late);
            }
            out.printf("%n[%d frames arrived while paused]%n", whilePaused.size());

            long resumeAtMicros = Micros.now();
            client.resume(id);
            while ((frame = next(frames)).type() != FrameType.RESUMED) {
                print(frame);
            }
            int held = 0;
            int live = 0;
            StringBuilder heldText = new StringBuilder();
            while (live < LIVE_TOKENS_BEFORE_CANCEL) {
                frame = next(frames);
                if (frame.isTerminal()) {
                    out.printf("%n[%s before cancel]%n", frame.type().wireName());
                    return id;
                }
                if (!frame.isToken()) {
                    continue;
                }
                if (frame.emittedAtMicros() < resumeAtMicros) {
                    held++;
                    heldText.append(frame.text());
                } else {
                    if (live == 0) {
                        out.printf("[resumed: %d held tokens delivered at once]%n%s%n[then live:]%n", held, heldText);
                    }
                    live++;
                    out.print(frame.text());
                    out.flush();
                }
            }
            client.cancel(id);
            while (!(frame = next(frames)).isTerminal()) {
                print(frame);
            }
            int code = subscription.awaitClose(Duration.ofSeconds(5));
            out.printf("%n[%s; the server closed the socket with %d; frames after it: %d]%n", frame.type().wireName(), code,
                    frames.size());
        }
        return id;
    }

    private int print(DeliveryFrame frame) {
        if (frame.isToken()) {
            out.print(frame.text());
            out.flush();
            return 1;
        }
        return 0;
    }

    private static DeliveryFrame next(BlockingQueue<DeliveryFrame> frames) throws InterruptedException {
        DeliveryFrame frame = frames.poll(FRAME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new IllegalStateException("no frame within " + FRAME_TIMEOUT.toSeconds()
                    + " s; see the service logs in .tokenstream/logs");
        }
        return frame;
    }

    /** @return the stream's status once the processor published its terminal statistics (waits up to 5 s) */
    static TokenstreamClient.Status finalStatus(TokenstreamClient client, String streamId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        TokenstreamClient.Status status = client.status(streamId);
        while ((status.stats() == null || !status.stats().state().isTerminal()) && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            status = client.status(streamId);
        }
        return status;
    }
}
