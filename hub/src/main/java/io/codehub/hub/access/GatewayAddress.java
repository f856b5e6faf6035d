package io.codehub.hub.access;

/**
 * Where the gateway listens, for the links the access API hands out. The gateway provides it as a
 * bean once it has bound its port (port 0 picks a free one); without such a bean
 * {@link AccessConfiguration} uses the configured {@code CODEHUB_HUB_GATEWAY_PORT}. Links use
 * {@code CODEHUB_HUB_GATEWAY_PUBLIC_PORT} instead whenever it is set.
 */
@FunctionalInterface
public interface GatewayAddress {

    /** The port the gateway's listener is bound to. Called per request; must not block. */
    int boundPort();
}
