package io.codehub.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP load balancer for tests, on loopback: each new connection goes to the backend chosen at
 * accept time ({@link #routeTo}), as HAProxy does once its health checks have taken a hub out;
 * connections already open stay where they are. Two pumping threads per connection; closing the
 * balancer closes every socket it holds.
 */
final class LoopbackBalancer implements AutoCloseable {

    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private volatile InetSocketAddress backend;

    LoopbackBalancer(InetSocketAddress backend) throws IOException {
        this.backend = backend;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "test-balancer");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where the balancer listens. */
    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    /** Sends connections accepted from now on to {@code value}. */
    void routeTo(InetSocketAddress value) {
        backend = value;
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket front = listener.accept();
                accepted.incrementAndGet();
                sockets.add(front);
                Socket back = new Socket();
                sockets.add(back);
                try {
                    back.connect(backend, 5_000);
                } catch (IOException refused) {
                    front.close();
                    back.close();
                    continue;
                }
                pump(front, back);
                pump(back, front);
            } catch (IOException closed) {
                return; // the listener was closed
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ended) {
                // one side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "test-balancer-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
