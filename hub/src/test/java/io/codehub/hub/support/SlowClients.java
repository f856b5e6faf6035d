package io.codehub.hub.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Many attacking sockets on one thread (a selector): each connects from a chosen loopback source,
 * writes an opening, then (optionally) one more byte per interval, and records when the server
 * closed it and what the server wrote first. For slowloris and per-address connection caps, with
 * every socket closed by {@link #close()}.
 */
public final class SlowClients implements AutoCloseable {

    /** One attacking socket. */
    public static final class Client {
        final SocketChannel channel;
        /** When it connected, System.nanoTime(). */
        public final long connectedNanos;
        /** When the server closed it (EOF or reset), or 0 while open. */
        public volatile long closedNanos;
        final StringBuilder received = new StringBuilder();

        Client(SocketChannel channel, long connectedNanos) {
            this.channel = channel;
            this.connectedNanos = connectedNanos;
        }

        /** How long it lived, or null while open. */
        public Duration lifetime() {
            long closed = closedNanos;
            return closed == 0 ? null : Duration.ofNanos(closed - connectedNanos);
        }

        /** The first bytes the server wrote (at most 256), as ISO-8859-1. */
        public synchronized String received() {
            return received.toString();
        }
    }

    private final Selector selector;
    private final List<Client> clients = new ArrayList<>();

    public SlowClients() throws IOException {
        selector = Selector.open();
    }

    /**
     * Connects {@code count} sockets to {@code 127.0.0.1:port}, the i-th from {@code source.apply(i)},
     * and writes {@code opening} on each.
     */
    public void open(int count, IntFunction<InetAddress> source, int port, String opening) throws IOException {
        for (int i = 0; i < count; i++) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.bind(new InetSocketAddress(source.apply(i), 0));
                channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                Client client = new Client(channel, System.nanoTime());
                channel.configureBlocking(false);
                if (!opening.isEmpty()) {
                    channel.write(ByteBuffer.wrap(opening.getBytes(StandardCharsets.ISO_8859_1)));
                }
                channel.register(selector, SelectionKey.OP_READ, client);
                clients.add(client);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
    }

    /**
     * Runs for at most {@code duration} or until every socket is closed by the server, writing one
     * {@code trickle} byte to each open socket per {@code interval} (none when trickle is 0).
     */
    public void run(Duration duration, Duration interval, char trickle) throws IOException {
        long deadline = System.nanoTime() + duration.toNanos();
        long nextTrickle = System.nanoTime() + interval.toNanos();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (System.nanoTime() < deadline && openCount() > 0) {
            selector.select(Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000)));
            for (SelectionKey key : selector.selectedKeys()) {
                read((Client) key.attachment(), key, buffer);
            }
            selector.selectedKeys().clear();
            if (trickle != 0 && System.nanoTime() >= nextTrickle) {
                nextTrickle += interval.toNanos();
                for (SelectionKey key : selector.keys()) {
                    Client client = (Client) key.attachment();
                    try {
                        client.channel.write(ByteBuffer.wrap(new byte[] {(byte) trickle}));
                    } catch (IOException reset) {
                        closed(client, key);
                    }
                }
            }
        }
    }

    private void read(Client client, SelectionKey key, ByteBuffer buffer) {
        try {
            buffer.clear();
            int n = client.channel.read(buffer);
            if (n < 0) {
                closed(client, key);
            } else if (n > 0) {
                synchronized (client) {
                    if (client.received.length() < 256) {
                        client.received.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                    }
                }
            }
        } catch (IOException reset) {
            closed(client, key);
        }
    }

    private static void closed(Client client, SelectionKey key) {
        if (client.closedNanos == 0) {
            client.closedNanos = System.nanoTime();
        }
        key.cancel();
        try {
            client.channel.close();
        } catch (IOException ignored) {
            // closing a socket the server already closed
        }
    }

    /** Sockets the server has not closed yet. */
    public long openCount() {
        return clients.stream().filter(c -> c.closedNanos == 0).count();
    }

    public List<Client> clients() {
        return List.copyOf(clients);
    }

    @Override
    public void close() {
        for (Client client : clients) {
            try {
                client.channel.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
