package io.codehub.hub.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange on a fresh loopback socket, byte for byte as written: for attacks that a
 * well-behaved client library refuses to send (header bombs, raw upgrade requests, bodies larger
 * than announced). The socket can be bound to a chosen loopback source address (127.0.0.2 and
 * up work on Linux without setup), so one test plays many clients.
 */
public final class RawHttp {

    /** Largest answer read; the rest is dropped. */
    private static final int MAX_ANSWER = 1 << 20;

    private RawHttp() {
    }

    /**
     * An answer: status line's code, headers (names lower-cased, first value), body as text, the
     * time from connect to the end of the head, and whether the server closed the connection after
     * the body (within 2 s; always false for a 101).
     */
    public record Answer(int status, Map<String, String> headers, String body, Duration headTime, boolean closed) {

        /** A header's value, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Connects from {@code source} (null: any) to {@code 127.0.0.1:port}, writes {@code request}
     * (ISO-8859-1), reads the head and a body of Content-Length bytes (or to EOF without one),
     * and closes. The whole exchange is bounded by {@code timeout}.
     */
    public static Answer exchange(InetAddress source, int port, String request, Duration timeout) throws IOException {
        return exchange(source, port, request.getBytes(StandardCharsets.ISO_8859_1), timeout);
    }

    /** Like {@link #exchange(InetAddress, int, String, Duration)} with the request's bytes. */
    public static Answer exchange(InetAddress source, int port, byte[] request, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            if (source != null) {
                socket.bind(new InetSocketAddress(source, 0));
            }
            socket.setSoTimeout((int) timeout.toMillis());
            long started = System.nanoTime();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException refusedMidWrite) {
                // The server may answer and close before the whole request is written (a header
                // bomb): its answer, if any, is still in our receive buffer.
            }
            return read(socket, started);
        }
    }

    private static Answer read(Socket socket, long started) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of the answer's head: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > MAX_ANSWER) {
                throw new IOException("answer head over " + MAX_ANSWER + " bytes");
            }
        }
        Duration headTime = Duration.ofNanos(System.nanoTime() - started);
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        String body = "";
        if (status != 101) {
            String length = headers.get("content-length");
            byte[] bytes = length != null ? in.readNBytes(Math.min(MAX_ANSWER, Integer.parseInt(length)))
                    : readToEnd(in);
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        return new Answer(status, headers, body, headTime, status != 101 && closedWithin(socket, 2_000));
    }

    private static boolean closedWithin(Socket socket, int millis) {
        try {
            socket.setSoTimeout(millis);
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (out.size() < MAX_ANSWER && (n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** {@code 127.0.0.<n>}, a loopback source address. */
    public static InetAddress loopback(int n) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) n});
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
