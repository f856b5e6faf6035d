package io.codehub.tunnel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * An HTTP CONNECT proxy, {@code http://[user:password@]host:port}, as {@code HTTPS_PROXY} names it:
 * the one parser of a proxy URI and its percent-encoded user info, for the tunnel
 * ({@link TunnelConnectorBuilder#proxy(HttpProxy)}) and for any other client of the agent that
 * must take the same way out. Neither {@link #toString()} nor an error message shows the password.
 */
public final class HttpProxy {

    /** The variables read by {@link #fromEnvironment}, in order. */
    private static final String[] VARIABLES = {"HTTPS_PROXY", "https_proxy"};

    final HubAddress address;

    private HttpProxy(HubAddress address) {
        this.address = address;
    }

    /** The proxy {@code uri} names; refused unless it is {@code http://[user:password@]host:port}. */
    public static HttpProxy of(URI uri) {
        return new HttpProxy(HubAddress.proxy(Objects.requireNonNull(uri, "uri")));
    }

    /**
     * The proxy of {@code HTTPS_PROXY} (or else {@code https_proxy}) in {@code environment}, or
     * {@code null} when neither is set or the value is blank.
     */
    public static @Nullable HttpProxy fromEnvironment(Map<String, String> environment) {
        return fromEnvironment(environment::get);
    }

    /**
     * The proxy of {@code HTTPS_PROXY} (or else {@code https_proxy}) as {@code environment} looks
     * them up (for example Spring's {@code Environment::getProperty}), or {@code null}.
     */
    public static @Nullable HttpProxy fromEnvironment(Function<String, @Nullable String> environment) {
        for (String variable : VARIABLES) {
            String value = environment.apply(variable);
            if (value != null) {
                return value.isBlank() ? null : of(parse(variable, value.trim()));
            }
        }
        return null;
    }

    private static URI parse(String variable, String value) {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            // the value may hold a password: say where it broke, not what it is
            throw new IllegalArgumentException(variable + ": not a URI (" + e.getReason() + " at index " + e.getIndex()
                    + "; expected: http://[user:password@]host:port)");
        }
    }

    /** The proxy's host name or address literal (without brackets). */
    public String host() {
        return address.host();
    }

    public int port() {
        return address.port();
    }

    /** The user name, decoded; empty when the URI has no user info. */
    public String user() {
        return address.user();
    }

    /** The password, decoded; empty when the URI has none. */
    public String password() {
        return address.password();
    }

    /** Whether the proxy is given credentials (a user name) to authenticate with. */
    public boolean hasCredentials() {
        return !address.user().isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HttpProxy proxy && proxy.address.equals(address);
    }

    @Override
    public int hashCode() {
        return address.hashCode();
    }

    /** {@code http://user:***@host:port}: the password is never shown. */
    @Override
    public String toString() {
        return address.toString();
    }
}
