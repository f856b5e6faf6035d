package io.codehub.hub.agents;

import org.jspecify.annotations.Nullable;

/**
 * What an agent reports about where it runs, at its tunnel handshake and in its {@code GET /health}
 * answer: strings the hub stores and shows, never interprets (the hub knows no runtime).
 *
 * @param os             its operating system, e.g. {@code linux}
 * @param arch           its CPU architecture, e.g. {@code amd64}
 * @param runtime        its backend kind, e.g. {@code docker} or {@code kubernetes}
 * @param backendVersion its backend's description, e.g. {@code Docker Engine 20.10.24 (API 1.41)}
 */
public record AgentFacts(@Nullable String os, @Nullable String arch, @Nullable String runtime,
        @Nullable String backendVersion) {

    /** Nothing known. */
    public static final AgentFacts UNKNOWN = new AgentFacts(null, null, null, null);

    public AgentFacts {
        os = cut(os, 64);
        arch = cut(arch, 64);
        runtime = cut(runtime, 64);
        backendVersion = cut(backendVersion, 256);
    }

    /** Whether recording {@code reported} over these facts changes nothing (what it leaves out stays as it is). */
    public boolean unchangedBy(AgentFacts reported) {
        return keeps(os, reported.os) && keeps(arch, reported.arch) && keeps(runtime, reported.runtime)
                && keeps(backendVersion, reported.backendVersion);
    }

    private static boolean keeps(@Nullable String stored, @Nullable String reported) {
        return reported == null || reported.equals(stored);
    }

    private static @Nullable String cut(@Nullable String value, int max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.length() <= max ? value : value.substring(0, max);
    }
}
