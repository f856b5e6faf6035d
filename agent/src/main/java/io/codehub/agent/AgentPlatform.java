package io.codehub.agent;

import java.util.Locale;

/**
 * The platform the agent runs on, as it reports it in {@code GET /health} and at the tunnel
 * handshake: the operating system ({@code linux}) and the CPU architecture as the JVM names it
 * ({@code amd64}, {@code aarch64}).
 */
public final class AgentPlatform {

    private AgentPlatform() {
    }

    /** The operating system, lower case, e.g. {@code linux}. */
    public static String os() {
        String name = System.getProperty("os.name", "unknown").trim();
        return name.toLowerCase(Locale.ROOT).replace(' ', '-');
    }

    /** The CPU architecture, e.g. {@code amd64}. */
    public static String arch() {
        return System.getProperty("os.arch", "unknown").trim().toLowerCase(Locale.ROOT);
    }
}
