package io.codehub.web.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code HEALTHCHECK} of the hub's image: asks the application's readiness probe once and exits 0
 * when it answers 200, 1 otherwise (refused, timed out, {@code 503 DOWN}), printing one line that says
 * what was asked and what came back (Docker keeps it in {@code docker inspect}'s health log).
 *
 * <p>It runs as {@code java -cp /opt/codehub/probe io.codehub.web.probe.ReadinessProbe [URL]}: a JVM of
 * its own every interval, so it loads nothing but {@code java.base} (a tenth of a second of CPU, where
 * starting the application's jar would cost a second). Without an argument it asks
 * {@code http://127.0.0.1:$SERVER_PORT/actuator/health/readiness} ({@code SERVER_PORT} defaults to
 * 8080, as in the hub). No proxy is ever used.
 */
public final class ReadinessProbe {

    /** The readiness group of Spring Boot's health endpoint, open without a token in the hub and the agent. */
    public static final String READINESS_PATH = "/actuator/health/readiness";
    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int READ_TIMEOUT_MILLIS = 3_000;
    private static final int MAX_BODY_CHARS = 200;

    private ReadinessProbe() {
    }

    /**
     * Probes once and exits with the result.
     *
     * @param args nothing, or the URL to probe
     */
    public static void main(String[] args) {
        System.exit(probe(args, System.getenv(), System.out));
    }

    /** Probes the URL of {@code args} (or the default one) and returns the exit code; the line goes to {@code out}. */
    static int probe(String[] args, Map<String, String> environment, PrintStream out) {
        if (args.length > 1) {
            out.println("usage: ReadinessProbe [URL]");
            return 2;
        }
        String target = args.length == 1 ? args[0]
                : "http://127.0.0.1:" + environment.getOrDefault("SERVER_PORT", "8080") + READINESS_PATH;
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(target).toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            connection.setInstanceFollowRedirects(false);
            try {
                int status = connection.getResponseCode();
                out.println("GET " + target + ": " + status + " " + body(connection, status));
                return status == 200 ? 0 : 1;
            } finally {
                connection.disconnect();
            }
        } catch (IOException | IllegalArgumentException e) {
            out.println("GET " + target + " failed: " + e);
            return 1;
        }
    }

    private static String body(HttpURLConnection connection, int status) throws IOException {
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            if (in == null) {
                return "";
            }
            byte[] head = in.readNBytes(MAX_BODY_CHARS);
            return new String(head, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        }
    }
}
