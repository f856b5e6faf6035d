package io.codehub.sample;

import java.io.PrintStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The access log: one line per request, written to a stream (stdout) by a thread of its own, so
 * that an event loop never blocks on a full pipe (a container's stdout nobody reads). Lines beyond
 * a bounded backlog are dropped and counted; the next line written says how many.
 *
 * <p>Threading: {@link #log} is called from any thread and never blocks; {@link #close} writes what
 * is queued and stops the writer.
 */
final class RequestLog implements AutoCloseable {

    private static final int BACKLOG = 10_000;
    /** Compared by identity: no logged line is this instance. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String STOP = new String("stop");

    private final PrintStream out;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(BACKLOG);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

    RequestLog(PrintStream out) {
        this.out = out;
        this.writer = new Thread(this::write, "sample-workspace-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    void log(String line) {
        if (!lines.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        try {
            while (true) {
                String line = lines.take();
                if (line == STOP) {
                    return;
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    out.println("(" + lost + " log lines dropped: the output did not keep up)");
                }
                out.println(line);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            out.flush();
        }
    }

    @Override
    public void close() {
        try {
            if (lines.offer(STOP, 1, TimeUnit.SECONDS)) {
                writer.join(TimeUnit.SECONDS.toMillis(2));
            } else {
                writer.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.interrupt();
        }
    }
}
