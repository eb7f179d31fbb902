package dev.tokenstream.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a service's Prometheus endpoint ({@code /q/metrics}), read the way Prometheus reads it: the text
 * exposition format, one sample per line, {@code name{label="value",...} number}.
 *
 * @param text the scraped text
 */
public record MetricsScrape(String text) {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+).*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** @return the metrics {@code endpoint} serves now; fails when it does not answer 200 */
    public static MetricsScrape of(URI endpoint) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(endpoint).header("Accept", "text/plain").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(endpoint + " answered " + response.statusCode());
            }
            return new MetricsScrape(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("cannot scrape " + endpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping " + endpoint, e);
        }
    }

    /**
     * @param name   the sample's name as exposed, e.g. {@code gen_ai_client_operation_duration_seconds_count}
     * @param labels labels every counted sample must have (others may have more)
     * @return the sum of the matching samples, 0 when none matches
     */
    public double sum(String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches() || !sample.group(1).equals(name)) {
                continue;
            }
            Matcher label = LABEL.matcher(sample.group(3) == null ? "" : sample.group(3));
            int matched = 0;
            while (label.find()) {
                if (label.group(2).equals(labels.get(label.group(1)))) {
                    matched++;
                }
            }
            if (matched == labels.size()) {
                sum += Double.parseDouble(sample.group(4));
            }
        }
        return sum;
    }

    /** @return whether a sample or a metric family named {@code name} appears at all */
    public boolean has(String name) {
        return Pattern.compile("^(# TYPE )?" + Pattern.quote(name) + "[{ ]", Pattern.MULTILINE).matcher(text).find();
    }
}
