package io.codehub.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The results of a benchmark's runs, one map of keys to figures per run, as every report prints and
 * writes them: sorted values per key (min, median, max), figures formatted for the summary, and the
 * JSON file.
 */
final class RunResults {

    private RunResults() {
    }

    /** One run: its keys. Several: each key's median, with every run's keys under {@code runs}. */
    static String json(List<Map<String, Double>> results) {
        ObjectNode root = HubAdmin.JSON.createObjectNode();
        for (String key : results.get(0).keySet()) {
            double[] values = values(results, key);
            put(root, key, values[values.length / 2]);
        }
        if (results.size() > 1) {
            ArrayNode runs = root.putArray("runs");
            for (Map<String, Double> result : results) {
                ObjectNode run = runs.addObject();
                result.forEach((k, v) -> put(run, k, v));
            }
        }
        return HubAdmin.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void put(ObjectNode node, String key, double value) {
        if (Double.isNaN(value)) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }

    static double[] values(List<Map<String, Double>> results, String key) {
        double[] values = results.stream().mapToDouble(r -> r.getOrDefault(key, Double.NaN)).toArray();
        Arrays.sort(values);
        return values;
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

}
