package io.codehub.hub.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;

/**
 * Stack traces of this JVM's threads, for a test to attach to a failure it cannot explain from
 * the outside (a call to the in-JVM hub that times out: is an event loop blocked, and on what?).
 */
public final class ThreadDumps {

    private ThreadDumps() {
    }

    /** The stacks of the live threads whose names start with one of {@code prefixes} (all when none). */
    public static String of(String... prefixes) {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            if (prefixes.length > 0 && Arrays.stream(prefixes).noneMatch(info.getThreadName()::startsWith)) {
                continue;
            }
            dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                dump.append(" on ").append(info.getLockName());
            }
            dump.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }
}
