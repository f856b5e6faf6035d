package io.codehub.tunnel;

import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * What an agent says about where it runs, in optional headers of its upgrade request
 * ({@value TunnelProtocol#AGENT_OS_HEADER}, {@value TunnelProtocol#AGENT_ARCH_HEADER},
 * {@value TunnelProtocol#AGENT_RUNTIME_HEADER}, {@value TunnelProtocol#AGENT_BACKEND_VERSION_HEADER}).
 * Informational strings the hub shows and never interprets; each is printable ASCII of at most
 * {@value #MAX_NAME} characters ({@value #MAX_BACKEND_VERSION} for the backend version).
 *
 * @param os             e.g. {@code linux}
 * @param arch           e.g. {@code amd64}
 * @param runtime        the agent's backend kind, e.g. {@code docker} or {@code kubernetes}
 * @param backendVersion the backend's description, e.g. {@code Docker Engine 20.10.24 (API 1.41)}
 */
public record AgentDescription(@Nullable String os, @Nullable String arch, @Nullable String runtime,
        @Nullable String backendVersion) {

    /** Longest os, arch and runtime value. */
    public static final int MAX_NAME = 64;
    /** Longest backend version value. */
    public static final int MAX_BACKEND_VERSION = 256;
    /** An agent that said nothing. */
    public static final AgentDescription NONE = new AgentDescription(null, null, null, null);

    public AgentDescription {
        check(TunnelProtocol.AGENT_OS_HEADER, os, MAX_NAME);
        check(TunnelProtocol.AGENT_ARCH_HEADER, arch, MAX_NAME);
        check(TunnelProtocol.AGENT_RUNTIME_HEADER, runtime, MAX_NAME);
        check(TunnelProtocol.AGENT_BACKEND_VERSION_HEADER, backendVersion, MAX_BACKEND_VERSION);
    }

    /**
     * A description from free-form values (an agent describing itself): characters outside printable
     * ASCII become {@code ?}, over-long values are cut, blank ones dropped. Never fails.
     */
    public static AgentDescription sanitized(@Nullable String os, @Nullable String arch, @Nullable String runtime,
            @Nullable String backendVersion) {
        return new AgentDescription(clean(os, MAX_NAME), clean(arch, MAX_NAME), clean(runtime, MAX_NAME),
                clean(backendVersion, MAX_BACKEND_VERSION));
    }

    /** Why {@code headers} carry no valid description (400), or null when they do (or carry none). */
    static @Nullable String malformed(HttpHeaders headers) {
        try {
            of(headers);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The description in {@code headers}; fails when a header present is not valid. */
    static AgentDescription of(HttpHeaders headers) {
        return new AgentDescription(headers.get(TunnelProtocol.AGENT_OS_HEADER),
                headers.get(TunnelProtocol.AGENT_ARCH_HEADER), headers.get(TunnelProtocol.AGENT_RUNTIME_HEADER),
                headers.get(TunnelProtocol.AGENT_BACKEND_VERSION_HEADER));
    }

    /** Sets the headers of the values present. */
    void addTo(HttpHeaders headers) {
        set(headers, TunnelProtocol.AGENT_OS_HEADER, os);
        set(headers, TunnelProtocol.AGENT_ARCH_HEADER, arch);
        set(headers, TunnelProtocol.AGENT_RUNTIME_HEADER, runtime);
        set(headers, TunnelProtocol.AGENT_BACKEND_VERSION_HEADER, backendVersion);
    }

    private static void set(HttpHeaders headers, String name, @Nullable String value) {
        if (value != null) {
            headers.set(name, value);
        }
    }

    private static void check(String header, @Nullable String value, int max) {
        if (value != null && !HeaderValues.isPrintable(value, max)) {
            throw new IllegalArgumentException(header + " is not 1 to " + max + " printable characters");
        }
    }

    private static @Nullable String clean(@Nullable String value, int max) {
        // trim() drops every control character at the ends too, which isBlank() does not count as
        // blank: "\0" was not blank, trimmed to "" and then failed the constructor's check.
        String trimmed = value == null ? "" : value.trim();
        if (trimmed.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(trimmed.length(), max));
        for (int i = 0; i < trimmed.length() && out.length() < max; i++) {
            char c = trimmed.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        // a cut can end in spaces, which an HTTP header loses on the way: cut them here
        return out.toString().stripTrailing();
    }
}
