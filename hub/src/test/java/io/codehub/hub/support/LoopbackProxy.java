package io.codehub.hub.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on a loopback port in front of another loopback port, which a test can cut (every
 * connection closed, new ones refused) and restore on the same port: a database outage, made
 * without touching the database. It can also run an action at the moment a client sends a given
 * text ({@link #beforeForwarding}), to put a fault exactly between a request and its answer.
 */
public final class LoopbackProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicReference<Trigger> trigger = new AtomicReference<>();
    private volatile ServerSocket server;

    public LoopbackProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = listen(0);
        this.port = server.getLocalPort();
        accept(server);
    }

    public int port() {
        return port;
    }

    private record Trigger(String marker, Runnable action) {
    }

    /**
     * Runs {@code action} once, in the proxy's thread, when a client's bytes next contain
     * {@code marker} (ASCII, within one read), and forwards those bytes only after it returned.
     */
    public void beforeForwarding(String marker, Runnable action) {
        trigger.set(new Trigger(marker, action));
    }

    /** Closes every connection and stops accepting new ones. */
    public synchronized void cut() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        sockets.clear();
    }

    /** Accepts connections again, on the same port. */
    public synchronized void restore() throws IOException {
        server = listen(port);
        accept(server);
    }

    @Override
    public void close() throws IOException {
        cut();
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return socket;
    }

    private void accept(ServerSocket listening) {
        Thread acceptor = new Thread(() -> {
            while (!listening.isClosed()) {
                try {
                    Socket client = listening.accept();
                    Socket upstream;
                    try {
                        upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    } catch (IOException e) {
                        client.close(); // the target is not up (yet): this client fails, the next may not
                        continue;
                    }
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream, true);
                    pump(upstream, client, false);
                } catch (IOException e) {
                    return; // closed by cut()
                }
            }
        }, "loopback-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    Trigger armed = fromClient ? trigger.get() : null;
                    if (armed != null && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(armed.marker())
                            && trigger.compareAndSet(armed, null)) {
                        armed.action().run();
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    to.close();
                    from.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "loopback-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }
}
