package io.codehub.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * What {@code bench ha} puts between the agents and the hubs' tunnel ports, standing in for a
 * load balancer: a loopback TCP forwarder with one listening port per agent
 * ({@code CODEHUB_AGENT_HUB_URL}). The first connection of a port goes to the hub the bench
 * chose for that agent (so that every hub holds some tunnels); every later one, to the next hub
 * in round robin whose tunnel port accepts a connection, so that the agents of a hub that died
 * land on the others, as behind HAProxy.
 *
 * <p>Bytes are copied by two threads per connection (a handful of tunnels); either side's end or
 * failure closes both. Connects to a hub give up after {@value #CONNECT_TIMEOUT_MS} ms.
 * {@link #close()} closes every listener and connection.
 */
final class TunnelForwarder implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MS = 1_000;
    private static final int BUFFER = 32 * 1024;

    private final List<Integer> hubPorts;
    private final AtomicInteger next = new AtomicInteger();
    private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A forwarder to these tunnel ports on 127.0.0.1 (index: the hub's). */
    TunnelForwarder(List<Integer> hubPorts) {
        if (hubPorts.isEmpty()) {
            throw new IllegalArgumentException("hubPorts: [] (expected: at least one tunnel port)");
        }
        this.hubPorts = List.copyOf(hubPorts);
    }

    /**
     * A new listening port on 127.0.0.1 whose first connection goes to hub {@code preferred}
     * (or, if its port refuses, the next that accepts), and every later one round robin.
     */
    int listen(int preferred) throws IOException {
        if (preferred < 0 || preferred >= hubPorts.size()) {
            throw new IllegalArgumentException("preferred: " + preferred + " (expected: 0.." + (hubPorts.size() - 1) + ")");
        }
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listeners.add(listener);
        Thread accept = new Thread(() -> accept(listener, preferred), "bench-forwarder-" + listener.getLocalPort());
        accept.setDaemon(true);
        accept.start();
        return listener.getLocalPort();
    }

    private void accept(ServerSocket listener, int preferred) {
        boolean first = true;
        while (!closed.get()) {
            Socket agent;
            try {
                agent = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            int start = first ? preferred : Math.floorMod(next.getAndIncrement(), hubPorts.size());
            first = false;
            Socket hub = connect(start);
            if (hub == null) {
                closeQuietly(agent);
                continue;
            }
            try {
                agent.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(agent);
                closeQuietly(hub);
                continue;
            }
            sockets.add(agent);
            sockets.add(hub);
            pump(agent, hub, "up");
            pump(hub, agent, "down");
            if (closed.get()) {
                closeQuietly(agent);
                closeQuietly(hub);
            }
        }
    }

    /** A connection to the first hub from {@code start} on whose port accepts; null when none does. */
    private @Nullable Socket connect(int start) {
        for (int i = 0; i < hubPorts.size(); i++) {
            int port = hubPorts.get((start + i) % hubPorts.size());
            Socket hub = new Socket();
            try {
                hub.setTcpNoDelay(true);
                hub.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MS);
                return hub;
            } catch (IOException e) {
                closeQuietly(hub);
            }
        }
        return null;
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[BUFFER];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // either side went away: both are closed below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "bench-forwarder-" + from.getLocalPort() + "-" + direction);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listeners.forEach(TunnelForwarder::closeQuietly);
        sockets.forEach(TunnelForwarder::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing: nothing left to do with it
        }
    }
}
