package dev.tokenstream.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tokenstream.events.serde.Json;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes rows as JSON Lines or as CSV (jackson-dataformat-csv: RFC 4180 quoting, a header line), for DuckDB, pandas
 * and the like.
 */
final class Rows {

    /** Every column on every line, null or not, so readers see one schema. */
    private static final ObjectMapper WRITER = Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.ALWAYS);

    /** RFC 4180: fields with commas, quotes or line breaks quoted, quotes doubled; CRLF-free lines. */
    private static final CsvMapper CSV = CsvMapper.builder().build();

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
            CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
            columns.forEach(schema::addColumn);
            try {
                out.print(CSV.writer(schema.build()).writeValueAsString(rows));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
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
}
