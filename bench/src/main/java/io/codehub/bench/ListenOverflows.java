package io.codehub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's count of connections dropped because a listen backlog was full
 * ({@code TcpExt ListenOverflows} in {@code /proc/net/netstat}, what {@code nstat} shows): a hub at
 * its cap of handshakes in progress leaves connections in its backlog, and past the backlog's
 * length ({@code net.core.somaxconn}) the agents' SYNs are dropped and sent again after 1, 2, 4 …
 * seconds. The counter is the machine's (every listener of the network namespace), so a bench reads
 * the difference over a phase.
 */
final class ListenOverflows {

    private static final Path NETSTAT = Path.of("/proc/net/netstat");

    private ListenOverflows() {
    }

    /** The counter now; -1 where the kernel does not expose it. */
    static long read() {
        try {
            return parse(Files.readAllLines(NETSTAT));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The counter from the lines of {@code /proc/net/netstat}: a names line and a values line per group. */
    static long parse(List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            String[] names = lines.get(i).split("\\s+");
            String[] values = lines.get(i + 1).split("\\s+");
            if (names[0].equals("TcpExt:") && values[0].equals("TcpExt:") && names.length == values.length) {
                for (int j = 1; j < names.length; j++) {
                    if (names[j].equals("ListenOverflows")) {
                        return Long.parseLong(values[j]);
                    }
                }
            }
        }
        return -1;
    }

    /** Overflows since {@code before} (a {@link #read}); -1 when either reading failed. */
    static double since(long before) {
        long now = read();
        return before < 0 || now < 0 ? -1 : now - before;
    }
}
