package io.codehub.hub.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Idle TCP connections held by another process: more than one JVM holds together with the server
 * it attacks (each connection is a file on both sides, and one process may have 20,000). The test
 * calls {@link #open}, which starts {@link #main} with this JVM's {@code java} and the directory of
 * this class (the child needs nothing but the JDK). The child connects from each loopback source
 * address as many sockets as asked, writes nothing, reports on its standard output, and waits
 * until the server has closed them all, timing each one's life (from just before its connect to
 * the end of stream it reads).
 *
 * <p>The child's lines: {@code progress opened <n>}, then {@code opened <n> <firstEpochMillis>
 * <lastEpochMillis>}, then {@code progress closed <n>}, then {@code closed <n> <shortestLifeMillis>
 * <longestLifeMillis>}, or {@code error <message>}. It exits when its standard input closes (its
 * sockets die with it), when all its sockets are closed and reported, or after a hard time cap.
 * {@link #close()} closes its input and kills it if it has not gone within seconds.
 */
public final class IdleConnections implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private IdleConnections(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("error reading the child's output: " + e);
            }
            lines.add("error the child's output ended");
        }, "idle-connections-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a child process that opens, to {@code 127.0.0.1:port}, {@code perSource.get(a)}
     * connections from each source address {@code a}; it exits by itself after {@code cap}. Its
     * standard error goes to {@code log}.
     */
    public static IdleConnections open(int port, Map<String, Integer> perSource, Duration cap, Path log)
            throws IOException {
        Path classes;
        try {
            classes = Path.of(IdleConnections.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("where this class was loaded from", e);
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes.toString(),
                IdleConnections.class.getName(), Integer.toString(port), Long.toString(cap.toSeconds())));
        perSource.forEach((source, count) -> command.add(source + "=" + count));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new IdleConnections(process, log);
    }

    /**
     * Waits up to {@code limit} for the child's line starting with {@code word} (progress lines are
     * skipped): its words after the first. Throws with the child's log on an error or a timeout.
     */
    public String[] await(String word, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null || line.startsWith("error")) {
                throw new IllegalStateException("idle connections: " + (line == null ? "no '" + word + "' line within "
                        + limit : line) + "; alive " + process.isAlive() + "; log: " + Files.readString(log));
            }
            String[] words = line.split(" ");
            if (words[0].equals(word)) {
                String[] rest = new String[words.length - 1];
                System.arraycopy(words, 1, rest, 0, rest.length);
                return rest;
            }
        }
    }

    /** Ends the child (its sockets close with it): closes its input, then kills it if it lingers. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Killed below if it does not go.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ---- the child ----------------------------------------------------------------------------------------------

    /** {@code port capSeconds source=count...}: see the class comment. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long capSeconds = Long.parseLong(args[1]);
        Map<String, Integer> perSource = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            perSource.put(pair[0], Integer.parseInt(pair[1]));
        }
        Thread cap = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(capSeconds));
                System.out.println("error time cap of " + capSeconds + " s reached");
                System.exit(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "time-cap");
        cap.setDaemon(true);
        cap.start();
        Thread input = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing to read but the end.
                }
            } catch (IOException e) {
                // Gone as well.
            }
            System.exit(0);
        }, "stdin");
        input.setDaemon(true);
        input.start();
        try {
            hold(port, perSource);
        } catch (IOException | RuntimeException e) {
            System.out.println("error " + e);
            System.exit(1);
        }
        // Reported: wait for the test to close the input (or for the cap).
        input.join();
    }

    private static void hold(int port, Map<String, Integer> perSource) throws IOException {
        int total = perSource.values().stream().mapToInt(Integer::intValue).sum();
        SocketChannel[] channels = new SocketChannel[total];
        long[] openedNanos = new long[total];
        long[] closedNanos = new long[total];
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        long firstMillis = System.currentTimeMillis();
        int n = 0;
        for (Map.Entry<String, Integer> source : perSource.entrySet()) {
            for (int i = 0; i < source.getValue(); i++) {
                SocketChannel channel = SocketChannel.open();
                channel.bind(new InetSocketAddress(source.getKey(), 0));
                // Before the connect: the hub cannot have accepted it earlier, so no life is measured short.
                openedNanos[n] = System.nanoTime();
                channel.connect(server);
                channels[n++] = channel;
                if (n % 2_000 == 0) {
                    System.out.println("progress opened " + n);
                }
            }
        }
        System.out.println("opened " + n + " " + firstMillis + " " + System.currentTimeMillis());
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < total; i++) {
                channels[i].configureBlocking(false);
                channels[i].register(selector, SelectionKey.OP_READ, i);
            }
            ByteBuffer sink = ByteBuffer.allocate(4096);
            int open = total;
            while (open > 0) {
                selector.select(1_000);
                for (SelectionKey key : selector.selectedKeys()) {
                    int i = (Integer) key.attachment();
                    sink.clear();
                    int read;
                    try {
                        read = channels[i].read(sink);
                    } catch (IOException reset) {
                        read = -1;
                    }
                    if (read < 0) {
                        closedNanos[i] = System.nanoTime();
                        key.cancel();
                        channels[i].close();
                        if (--open % 2_000 == 0) {
                            System.out.println("progress closed " + (total - open));
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        long shortest = Long.MAX_VALUE;
        long longest = 0;
        for (int i = 0; i < total; i++) {
            long life = (closedNanos[i] - openedNanos[i]) / 1_000_000;
            shortest = Math.min(shortest, life);
            longest = Math.max(longest, life);
        }
        System.out.println("closed " + total + " " + shortest + " " + longest);
    }
}
