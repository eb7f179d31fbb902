package dev.tokenstream.simulator.stream;

import dev.tokenstream.simulator.config.SimulatorConfig;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Recorded SSE transcripts, served for model {@code transcript:<file>} by every protocol route: each event (a block
 * ending in a blank line) is written as recorded, one every {@value #PACE_HEADER} milliseconds (20 by default).
 * Files come from {@code simulator.transcripts-dir}, else from the classpath's {@code transcripts/}.
 */
@ApplicationScoped
public class Transcripts {

    /** Model names that start with this replay a transcript. */
    public static final String PREFIX = "transcript:";
    /** Request header that sets the gap between replayed transcript events, milliseconds. */
    public static final String PACE_HEADER = "x-simulator-pace-millis";

    private final SimulatorConfig config;
    private final SimulatedStreams streams;

    public Transcripts(SimulatorConfig config, SimulatedStreams streams) {
        this.config = config;
        this.streams = streams;
    }

    /**
     * Replays transcript {@code name}.
     *
     * @return false when there is no such transcript (nothing was written)
     */
    public boolean replay(RoutingContext ctx, String name) {
        String text;
        try {
            text = read(name);
        } catch (IOException e) {
            return false;
        }
        String paceHeader = ctx.request().getHeader(PACE_HEADER);
        long pace = paceHeader == null ? 20 : Long.parseLong(paceHeader);
        List<String> events = new ArrayList<>();
        for (String event : text.replace("\r\n", "\n").split("\n\n")) {
            if (!event.isBlank()) {
                events.add(event + "\n\n");
            }
        }
        streams.write(ctx, events, i -> pace, null, -1, null, null);
        return true;
    }

    private String read(String name) throws IOException {
        if (name.contains("/") || name.contains("..")) {
            throw new IOException("bad transcript name");
        }
        String file = name.endsWith(".sse") ? name : name + ".sse";
        if (config.transcriptsDir().isPresent()) {
            Path path = Path.of(config.transcriptsDir().get(), file);
            if (Files.isRegularFile(path)) {
                return Files.readString(path, StandardCharsets.UTF_8);
            }
        }
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("transcripts/" + file)) {
            if (in == null) {
                throw new IOException("no transcript " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
