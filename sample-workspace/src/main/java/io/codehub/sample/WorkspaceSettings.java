package io.codehub.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the sample workspace listens, read from its environment: {@code SAMPLE_PORTS} (a comma
 * separated list of ports, default {@code 8080}) and {@code SAMPLE_ADDRESS} (default
 * {@code 0.0.0.0}, every interface). Port 0 asks for an ephemeral port.
 *
 * @param address the address every port is bound on (a literal or a host name)
 * @param ports the ports, at least one, each 0 to 65535, no duplicates
 */
record WorkspaceSettings(String address, List<Integer> ports) {

    static final String PORTS_VARIABLE = "SAMPLE_PORTS";
    static final String ADDRESS_VARIABLE = "SAMPLE_ADDRESS";
    static final String DEFAULT_PORTS = "8080";
    static final String DEFAULT_ADDRESS = "0.0.0.0";

    WorkspaceSettings {
        if (address.isBlank()) {
            throw new IllegalArgumentException(ADDRESS_VARIABLE + ": '' (expected: an address to listen on, such as 0.0.0.0)");
        }
        if (ports.isEmpty()) {
            throw new IllegalArgumentException(PORTS_VARIABLE + ": no port (expected: one or more ports, such as 8080,8081)");
        }
        for (int port : ports) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(PORTS_VARIABLE + ": " + port + " (expected: 0 to 65535)");
            }
            if (port != 0 && ports.indexOf(port) != ports.lastIndexOf(port)) {
                throw new IllegalArgumentException(PORTS_VARIABLE + ": " + port + " is listed twice (expected: each port once)");
            }
        }
        ports = List.copyOf(ports);
    }

    /** Reads the settings from environment variables; blank or absent variables take their default. */
    static WorkspaceSettings fromEnvironment(Map<String, String> environment) {
        String address = environment.getOrDefault(ADDRESS_VARIABLE, "").strip();
        String ports = environment.getOrDefault(PORTS_VARIABLE, "").strip();
        return new WorkspaceSettings(address.isEmpty() ? DEFAULT_ADDRESS : address,
                parsePorts(ports.isEmpty() ? DEFAULT_PORTS : ports));
    }

    private static List<Integer> parsePorts(String list) {
        List<Integer> ports = new ArrayList<>();
        for (String item : list.split(",", -1)) {
            String port = item.strip();
            try {
                ports.add(Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PORTS_VARIABLE + ": '" + list + "' holds '" + port
                        + "' (expected: a comma separated list of ports, such as 8080,8081)", e);
            }
        }
        return ports;
    }
}
