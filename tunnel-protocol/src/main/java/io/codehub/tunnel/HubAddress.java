package io.codehub.tunnel;

import java.net.URI;
import java.util.Locale;

/**
 * A parsed hub URI, {@code tcp://host:port} or {@code tls://host:port}, or an HTTP proxy URI,
 * {@code http://[user:password@]host:port}. The password never appears in {@link #toString()}.
 */
record HubAddress(String scheme, String host, int port, String user, String password) {

    static HubAddress hub(URI uri) {
        String scheme = lower(uri.getScheme());
        if (!scheme.equals("tcp") && !scheme.equals("tls")) {
            throw new IllegalArgumentException("hubUri: " + uri + " (expected: tcp://host:port or tls://host:port)");
        }
        return parse("hubUri", uri, scheme);
    }

    static HubAddress proxy(URI uri) {
        String scheme = lower(uri.getScheme());
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("proxy: " + redact(uri) + " (expected: http://[user:password@]host:port)");
        }
        return parse("proxy", uri, scheme);
    }

    boolean tls() {
        return scheme.equals("tls");
    }

    /** host:port as an HTTP Host or CONNECT authority (IPv6 literals bracketed). */
    String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static HubAddress parse(String name, URI uri, String scheme) {
        String host = uri.getHost();
        int port = uri.getPort();
        if (host == null || host.isEmpty() || port <= 0 || port > 65_535
                || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
            throw new IllegalArgumentException(name + ": " + redact(uri) + " (expected: " + scheme + "://host:port)");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String user = "";
        String password = "";
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        return new HubAddress(scheme, host, port, user, password);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static String redact(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.getScheme() + "://***@" + uri.getHost() + ":" + uri.getPort();
    }

    @Override
    public String toString() {
        return scheme + "://" + (user.isEmpty() ? "" : user + ":***@") + authority();
    }
}
