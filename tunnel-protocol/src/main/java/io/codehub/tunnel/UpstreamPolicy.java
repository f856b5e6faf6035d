package io.codehub.tunnel;

/**
 * Agent side: which {@code host:port} a CONNECT stream may reach. The agent allows only the
 * upstreams of instances it manages. Called on an event loop: answer from memory, never block.
 */
@FunctionalInterface
public interface UpstreamPolicy {

    boolean allows(String host, int port);

    /** Refuses everything. */
    static UpstreamPolicy denyAll() {
        return (host, port) -> false;
    }
}
