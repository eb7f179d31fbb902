package dev.tokenstream.systemtests;

/**
 * Every whole-stack test again, in the per-stream topic layout: ingest writes each stream to a topic of its own,
 * the processor reads them by pattern.
 */
class PerStreamWholeStackIT extends WholeStackIT {

    @Override
    String topicLayout() {
        return "per-stream";
    }
}
