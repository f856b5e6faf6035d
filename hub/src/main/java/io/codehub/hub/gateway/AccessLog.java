package io.codehub.hub.gateway;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's access log, written by a thread of its own: an event loop only queues a line's
 * fields ({@link #add}), so neither the formatting nor the write reaches it, and a log output that
 * stalls (a full pipe to a log collector, a slow disk) never stalls the gateway's connections and
 * the tunnels that share their event loops. The writer wakes every {@value #WAKE_MILLIS} ms, or at
 * once when {@value #WAKE_LINES} lines wait, and writes what is queued in order, one line each;
 * {@link #start()} starts it, {@link #close()} writes what is queued and stops it.
 *
 * <h2>Limits</h2>
 * At most {@code capacity} lines wait; past it a line is dropped, counted, and the writer reports
 * the drops on the gateway's logger at WARN, at most once per {@code reportEvery}, and to
 * {@code dropped} (a metric). A path is cut to {@value #MAX_PATH} characters when queued, so a full
 * queue holds a bounded amount of memory. Lines added after {@link #close()} are not written.
 */
final class AccessLog implements AutoCloseable {

    /** Characters of a path kept; longer ones end in {@code ...}. */
    static final int MAX_PATH = 200;
    static final long WAKE_MILLIS = 50;
    static final int WAKE_LINES = 512;

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class.getPackageName());

    /** One exchange, as the access log shows it. */
    record Line(@Nullable String workspaceId, int port, String client, String method, String path, int status,
            long in, long out, long nanos, boolean webSocket, @Nullable String outcome) {

        /** The line's text: the path's control characters escaped, so a request cannot forge log lines. */
        String text() {
            return "workspace=" + (workspaceId == null ? "-" : workspaceId) + " port=" + (port == 0 ? "-" : port)
                    + " client=" + client + " " + method + " " + printable(path) + " status=" + status + " in=" + in
                    + " out=" + out + " ms=" + nanos / 1_000_000 + (webSocket ? " websocket" : "")
                    + (outcome == null ? "" : " outcome=" + outcome);
        }
    }

    private final Consumer<String> out;
    private final BooleanSupplier enabled;
    private final int capacity;
    private final long reportEveryNanos;
    private final LongConsumer dropped;
    private final Queue<Line> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong drops = new AtomicLong();
    private volatile @Nullable Thread writer;
    private volatile boolean closing;
    private long reportedDrops;
    private long lastReportNanos;

    /**
     * @param out         writes one line (the access logger at INFO)
     * @param enabled     whether lines are wanted at all (the logger's level); asked on each {@link #add}
     * @param capacity    lines that may wait
     * @param reportEvery the least time between two reports of dropped lines
     * @param dropped     told how many lines were dropped, as they are
     */
    AccessLog(Consumer<String> out, BooleanSupplier enabled, int capacity, Duration reportEvery, LongConsumer dropped) {
        this.out = out;
        this.enabled = enabled;
        this.capacity = Checks.positive("capacity", capacity);
        this.reportEveryNanos = Checks.positive("reportEvery", reportEvery).toNanos();
        this.dropped = dropped;
        this.lastReportNanos = System.nanoTime() - reportEveryNanos;
    }

    /** Starts the writer (again, after {@link #close()}); lines added before wait for it. */
    synchronized void start() {
        if (writer != null) {
            return;
        }
        closing = false;
        Thread thread = new Thread(this::run, "codehub-gateway-access-log");
        thread.setDaemon(true);
        writer = thread;
        thread.start();
    }

    /** The access log of the SLF4J logger {@code logger} at INFO. */
    static AccessLog of(Logger logger, int capacity, LongConsumer dropped) {
        return new AccessLog(logger::info, logger::isInfoEnabled, capacity, Duration.ofMinutes(1), dropped);
    }

    /** Queues {@code line}, or drops it when {@code capacity} lines wait. Any thread; never blocks. */
    void add(Line line) {
        if (!enabled.getAsBoolean()) {
            return;
        }
        if (closing) {
            return; // the gateway has stopped: only a connection that was closing can still end
        }
        int waiting = queued.incrementAndGet();
        if (waiting > capacity) {
            queued.decrementAndGet();
            drops.incrementAndGet();
            dropped.accept(1);
            return;
        }
        queue.add(line.path().length() > MAX_PATH
                ? new Line(line.workspaceId(), line.port(), line.client(), line.method(),
                        line.path().substring(0, MAX_PATH) + "...", line.status(), line.in(), line.out(), line.nanos(),
                        line.webSocket(), line.outcome())
                : line);
        Thread thread = writer;
        if (waiting == WAKE_LINES && thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** Lines dropped since the start. */
    long dropped() {
        return drops.get();
    }

    /** Writes what is queued and stops the writer; waits for it at most 5 s. */
    @Override
    public synchronized void close() {
        closing = true;
        Thread thread = writer;
        if (thread == null) {
            return;
        }
        writer = null;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            boolean last = closing; // read before draining: what was queued before close() is written
            drain();
            reportDrops(last);
            if (last) {
                return;
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(WAKE_MILLIS));
        }
    }

    private void drain() {
        Line line;
        while ((line = queue.poll()) != null) {
            queued.decrementAndGet();
            try {
                out.accept(line.text());
            } catch (RuntimeException e) {
                log.warn("the access log could not write a line: {}", e.toString());
            }
        }
    }

    private void reportDrops(boolean now) {
        long total = drops.get();
        long nanos = System.nanoTime();
        if (total > reportedDrops && (now || nanos - lastReportNanos >= reportEveryNanos)) {
            log.warn("the access log dropped {} line(s): {} were waiting to be written (its output is slower than the "
                    + "gateway's traffic)", total - reportedDrops, capacity);
            reportedDrops = total;
            lastReportNanos = nanos;
        }
    }

    private static String printable(String path) {
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (out == null) {
                    out = new StringBuilder(path.length() + 8).append(path, 0, i);
                }
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? path : out.toString();
    }
}
