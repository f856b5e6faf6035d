package io.codehub.web;

/**
 * Reactor Netty settings the hub and the agent need before their first HTTP server starts (they
 * are JVM system properties that Reactor Netty reads once, when its classes load).
 *
 * <p>{@code reactor.netty.http.server.lastFlushWhenNoRead=true}: without it, Reactor Netty 1.3.x
 * can stop reading an HTTP/1.1 keep-alive connection for good. A request that arrives before the
 * previous request's operations have terminated (a client that sends its next request as soon as
 * it has the last answer, when that answer was completed off the event loop, as Spring Boot's
 * health endpoint's is) is queued behind them; when the queue drains, the read is not re-armed, and
 * the request after it is never read, so its client waits until its own timeout (reactor-netty
 * issue 4361, pull request 4347, unreleased in the version used here). With the setting, the
 * previous operations are terminated when the next request arrives, and it is served at once.
 * {@code KeepAliveIT} (hub) reproduces the hang without it.
 */
public final class ReactorNettyDefaults {

    /** The system property, as Reactor Netty names it. */
    public static final String LAST_FLUSH_WHEN_NO_READ = "reactor.netty.http.server.lastFlushWhenNoRead";

    private ReactorNettyDefaults() {
    }

    /** Sets each property that is not set already (an operator's {@code -D} wins); call first thing in main. */
    public static void apply() {
        if (System.getProperty(LAST_FLUSH_WHEN_NO_READ) == null) {
            System.setProperty(LAST_FLUSH_WHEN_NO_READ, "true");
        }
    }
}
