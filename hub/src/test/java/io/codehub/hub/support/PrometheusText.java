package io.codehub.hub.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scrape in the Prometheus text format, parsed just enough for tests: each sample's name, labels
 * and value. {@link #value} adds up the samples of one name whose labels include the given ones.
 */
public record PrometheusText(String text, List<Sample> samples) {

    /** One line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    int start = body.indexOf('"', eq) + 1;
                    int end = start;
                    while (body.charAt(end) != '"' || body.charAt(end - 1) == '\\') {
                        end++;
                    }
                    labels.put(body.substring(i, eq).trim(), body.substring(start, end));
                    i = body.indexOf(',', end);
                    i = i < 0 ? body.length() : i + 1;
                }
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
        }
        return new PrometheusText(text, samples);
    }

    /** The sum of the samples named {@code name} whose labels include {@code labels} (name, value, ...); 0 if none. */
    public double value(String name, String... labels) {
        return matching(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** Whether a sample of that name (and labels) exists. */
    public boolean has(String name, String... labels) {
        return !matching(name, labels).isEmpty();
    }

    /** Every metric name in the scrape. */
    public List<String> names() {
        return samples.stream().map(Sample::name).distinct().toList();
    }

    private List<Sample> matching(String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }
}
