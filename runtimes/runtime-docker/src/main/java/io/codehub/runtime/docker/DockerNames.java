package io.codehub.runtime.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.codehub.runtime.support.ManagedNames;
import org.jspecify.annotations.Nullable;

/**
 * The labels only this runtime puts on what it creates on the engine, beside the names and labels
 * every runtime uses ({@link ManagedNames}: {@code codehub-ws-<id>}, {@code io.codehub.managed=true}
 * and the rest). An instance's container records its ports in labels, so what it exposes is read
 * from the container itself, never from a spec the runtime would have to remember.
 */
final class DockerNames {

    /** The image an instance was created from. */
    static final String IMAGE = "io.codehub.image";
    /** The container port an instance serves on, published on a random host port. */
    static final String PORT = "io.codehub.port";
    /**
     * The instance's additional container ports, comma-separated in the spec's order, each published
     * on a random host port; absent when it has none.
     */
    static final String PORTS = "io.codehub.ports";
    /**
     * The Docker network an instance joined instead of publishing its ports (the runtime's
     * {@code network} setting when it was created); absent when its ports are published.
     */
    static final String NETWORK = "io.codehub.network";

    private DockerNames() {
    }

    /** The labels recording an instance's main and additional ports. */
    static Map<String, String> portLabels(int port, List<Integer> ports) {
        return ports.isEmpty() ? Map.of(PORT, Integer.toString(port))
                : Map.of(PORT, Integer.toString(port),
                        PORTS, ports.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }

    /** The network the labels record, or {@code null} when the instance publishes its ports. */
    static @Nullable String network(@Nullable Map<String, String> labels) {
        String network = labels == null ? null : labels.get(NETWORK);
        return network == null || network.isBlank() ? null : network;
    }

    /** The main port the labels record, or {@code null} when they record none. */
    static @Nullable Integer port(@Nullable Map<String, String> labels) {
        return labels == null ? null : portNumber(labels.get(PORT));
    }

    /** The additional ports the labels record, in order; empty when they record none. */
    static List<Integer> ports(@Nullable Map<String, String> labels) {
        String value = labels == null ? null : labels.get(PORTS);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<Integer> ports = new ArrayList<>();
        for (String item : value.split(",")) {
            Integer port = portNumber(item.strip());
            if (port != null) {
                ports.add(port);
            }
        }
        return List.copyOf(ports);
    }

    private static @Nullable Integer portNumber(@Nullable String value) {
        if (value == null || !value.matches("\\d{1,5}")) {
            return null;
        }
        int port = Integer.parseInt(value);
        return port >= 1 && port <= 65535 ? port : null;
    }
}
