package io.codehub.bench;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.NettyDefaults;
import io.codehub.tunnel.TunnelConnector;
import io.netty.handler.codec.http2.DefaultHttp2Headers;

/**
 * Simulated agents for a benchmark: {@code count} real {@link TunnelConnector}s in one process
 * (sharing two event-loop threads) dialling the bench hub over TLS with the default reconnect
 * policy, started at {@code rate} per second, their ids {@code agent-<first>} onwards. Reports {@code connected N} and {@code failed N}
 * (connect or handshake failures so far, all agents together) four times a second.
 * The certificate is not verified: this runs on loopback against the bench's own hub only.
 */
public final class BenchSwarm {

    /** Held so that the level set on it stays (JUL keeps loggers weakly). */
    private static final Logger TUNNEL_LOG = Logger.getLogger("io.codehub.tunnel");

    private BenchSwarm() {
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply(); // as the hub and the agent start
        TUNNEL_LOG.setLevel(Level.WARNING); // one line per session would drown the results
        int port = Integer.parseInt(Args.value(args, "--port", "17443"));
        int count = Integer.parseInt(Args.value(args, "--count", "1000"));
        int rate = Integer.parseInt(Args.value(args, "--rate", "1000"));
        int first = Integer.parseInt(Args.value(args, "--first", "0")); // agent ids agent-<first>..
        if (first < 0) {
            throw new IllegalArgumentException("--first " + first + " (expected: 0 or more)");
        }
        if (count < 1 || count > 15_000) {
            throw new IllegalArgumentException("--count " + count + " (expected: 1..15000; the open-file limit is 20000)");
        }
        SwarmConnectors swarm = new SwarmConnectors(port);
        // Filled while the reporter reads it: an array published through `started`, not a list whose
        // iterator would throw (a periodic task that throws is never run again, and its last count
        // would then stand for ever).
        TunnelConnector[] connectors = new TunnelConnector[count];
        AtomicInteger started = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        ConnectorListener countFailures = new ConnectorListener() {
            @Override
            public void connectFailed(Throwable cause, Duration retryIn) {
                failed.incrementAndGet();
            }
        };
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        reporter.scheduleAtFixedRate(() -> {
            try {
                int n = started.get();
                long connected = 0;
                for (int i = 0; i < n; i++) {
                    if (connectors[i].isConnected()) {
                        connected++;
                    }
                }
                System.out.println("connected " + connected + "\nfailed " + failed.get());
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }, 250, 250, TimeUnit.MILLISECONDS);
        SwarmConnectors.startAll(connectors, started, rate, i -> swarm.connector("chk_agent-" + (first + i) + "_bench", countFailures)
                .streamHandlerFactory((stream, headers, endStream) -> {
                    stream.writeHeaders(new DefaultHttp2Headers().status("204"), true);
                    return DiscardingStream.INSTANCE;
                })
                .build());
        // Runs until the orchestrator ends the process.
        Thread.currentThread().join();
    }
}
