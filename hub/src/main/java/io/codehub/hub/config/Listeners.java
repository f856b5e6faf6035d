package io.codehub.hub.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.codehub.web.ConfigurationException;

/**
 * Binding the hub's own Netty listeners (the tunnel port, the relay, the gateway) the same way:
 * an IP literal and a port from the settings {@code <prefix>_ADDRESS} and {@code <prefix>_PORT},
 * a bounded wait for the bind, and a failure that names the settings and the fix.
 */
public final class Listeners {

    /** Longest wait for a listener to bind. */
    public static final long BIND_TIMEOUT_SECONDS = 30;

    private Listeners() {
    }

    /**
     * The address to bind: {@code address} (an IP literal) and {@code port}.
     *
     * @param prefix the settings' prefix, e.g. {@code CODEHUB_HUB_TUNNEL}
     * @throws ConfigurationException naming {@code <prefix>_ADDRESS} when it is no address
     */
    public static InetSocketAddress bindAddress(String prefix, String address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(address), port);
        } catch (IOException e) {
            throw new ConfigurationException(prefix + "_ADDRESS", "'" + address + "' is not an address: "
                    + e.getMessage(), "Set " + prefix + "_ADDRESS to an IP address.", e);
        }
    }

    /**
     * Waits for {@code binding} (a listener's start on {@code bind}); on failure runs {@code close}
     * and throws a {@link ConfigurationException} naming {@code <prefix>_PORT}.
     *
     * @param what the listener, for the message of an interrupted wait
     */
    public static InetSocketAddress awaitBound(CompletableFuture<InetSocketAddress> binding, InetSocketAddress bind,
            String prefix, String what, Runnable close) {
        try {
            return binding.get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close.run();
            throw new IllegalStateException("interrupted while binding the " + what + " " + bind, e);
        } catch (ExecutionException | TimeoutException e) {
            close.run();
            throw cannotListen(bind, prefix, (e.getCause() == null ? e : e.getCause()).getMessage(), "", e);
        }
    }

    /** The failure of a listener that could not bind {@code bind}; {@code more} ends the advice. */
    public static ConfigurationException cannotListen(InetSocketAddress bind, String prefix, String reason, String more,
            Exception cause) {
        return new ConfigurationException(prefix + "_PORT", "cannot listen on " + bind + ": " + reason,
                "Free that port, or set " + prefix + "_PORT (and " + prefix + "_ADDRESS) to one this host can bind"
                        + more + ".", cause);
    }
}
