package io.codehub.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The bounded waits of the bench's stacks on the processes they started. */
final class Waits {

    private static final long POLL_MILLIS = 250;

    private Waits() {
    }

    /** A condition; an {@link IOException} counts as "not yet" (a process still starting, say). */
    interface Check {
        boolean ok() throws Exception;
    }

    /**
     * {@code check} every 250 ms until it holds; fails when {@code limit} passes or {@code process}
     * exits first, pointing at the logs in {@code logs}.
     */
    static void until(String what, Duration limit, Process process, Path logs, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("waiting for " + what + ": a process exited with " + process.exitValue()
                        + "; see the logs in " + logs);
            }
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("waited " + limit.toSeconds() + " s for " + what
                + (last != null ? " (last error: " + last + ")" : "") + "; see the logs in " + logs);
    }

    /**
     * Stops {@code processes}: SIGTERM to all, then up to 20 s each to exit, then SIGKILL (their
     * children too) and 10 s more.
     */
    static void stop(List<Process> processes) {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
