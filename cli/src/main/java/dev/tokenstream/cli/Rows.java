package dev.tokenstream.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstream.events.serde.Json;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes rows as JSON Lines or as CSV (RFC 4180 quoting, a header line), for DuckDB, pandas and the like. */
final class Rows {

    /** Every column on every line, null or not, so readers see one schema. */
    private static final ObjectMapper WRITER = Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.ALWAYS);

    /** Output formats of rows. */
    enum Format { JSONL, CSV }

    private Rows() {
    }

    /** @return an ordered row builder */
    static Map<String, Object> row() {
        return new LinkedHashMap<>();
    }

    static void write(PrintWriter out, Format format, List<String> columns, List<Map<String, Object>> rows) {
        if (format == Format.CSV) {
            out.println(String.join(",", columns));
            for (Map<String, Object> row : rows) {
                out.println(columns.stream().map(c -> csv(row.get(c))).collect(Collectors.joining(",")));
            }
        } else {
            for (Map<String, Object> row : rows) {
                try {
                    out.println(WRITER.writeValueAsString(row));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        out.flush();
    }

    private static String csv(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
                || text.startsWith(" ") || text.endsWith(" ")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
