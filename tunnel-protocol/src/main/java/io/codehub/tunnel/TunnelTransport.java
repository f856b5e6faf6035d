package io.codehub.tunnel;

import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import jdk.net.ExtendedSocketOptions;
import org.jspecify.annotations.Nullable;

/**
 * The socket transport tunnels run on: Linux epoll when its native library loads (fewer copies
 * and system calls per byte than NIO), NIO everywhere else or when the system property
 * {@code codehub.tunnel.transport=nio} asks for it. {@code codehub.tunnel.transport=io_uring}
 * asks for Linux io_uring where the kernel allows it (Linux 5.x and later, without a seccomp profile
 * or {@code kernel.io_uring_disabled} that forbids it; epoll otherwise): the system calls of many
 * sockets go to the kernel together, which on the gateway's many small requests took the hub's
 * requests per second up by half ({@code docs/benchmarks.md}, session 24). {@link TunnelServer} and
 * {@link TunnelConnector} choose their channel classes to match the event loop group they run on, so
 * a group made here, or any NIO or io_uring group, works. A transport asked for that cannot run
 * here, or a value that names none, is logged once as a warning with the reason, and the default
 * runs.
 */
public final class TunnelTransport {

    private static final System.Logger LOG = System.getLogger(TunnelTransport.class.getName());
    /** The system property that chooses the transport. */
    static final String PROPERTY = "codehub.tunnel.transport";
    private static final Choice CHOICE = choose(System.getProperty(PROPERTY, ""), IoUring::isAvailable,
            IoUring::unavailabilityCause, Epoll::isAvailable, Epoll::unavailabilityCause);
    static {
        if (CHOICE.warning() != null) {
            LOG.log(System.Logger.Level.WARNING, CHOICE.warning());
        }
    }

    /**
     * How long an agent's tunnel may be quiet (no segment from the hub) before its kernel probes the
     * path: 5 s, or the hub's keepalive interval when that is shorter ({@link #pathQuiet}). Shorter
     * than the default PING interval on purpose: the probes are answered by the hub's kernel, which
     * costs the hub's process nothing, so a dead path is found within 8 s while the hub PINGs every
     * 15 s.
     */
    static final Duration PATH_QUIET = Duration.ofSeconds(5);
    /** Seconds between two TCP keepalive probes once a path has gone quiet. */
    static final int PATH_PROBE_INTERVAL_SECONDS = 1;
    /** Unanswered TCP keepalive probes after which the kernel gives the connection up. */
    static final int PATH_PROBES = 3;

    private TunnelTransport() {
    }

    /** The transport that runs, and why it is not the one asked for when it is not. */
    record Choice(String name, @Nullable String warning) {
    }

    /**
     * The transport for {@code asked} (the property's value; empty for the default): NIO or io_uring
     * when asked for (io_uring where available), epoll otherwise where it is available, NIO where
     * not; a warning when what was asked for by name does not run. io_uring is probed only when asked
     * for, epoll only when it may run, so a machine without io_uring never loads its native library.
     */
    static Choice choose(String asked, BooleanSupplier ioUring, Supplier<@Nullable Throwable> ioUringCause,
            BooleanSupplier epoll, Supplier<@Nullable Throwable> epollCause) {
        String value = asked.strip().toLowerCase(Locale.ROOT);
        if (value.equals("nio") || value.equals("io_uring") && ioUring.getAsBoolean()) {
            return new Choice(value, null);
        }
        String fallback = epoll.getAsBoolean() ? "epoll" : "nio";
        String warning = switch (value) {
            case "" -> null;
            case "epoll" -> fallback.equals("epoll") ? null
                    : PROPERTY + "=epoll: epoll is not available here (" + epollCause.get() + ")";
            case "io_uring" -> PROPERTY + "=io_uring: io_uring is not available here (" + ioUringCause.get()
                    + "; a seccomp profile or kernel.io_uring_disabled may forbid it)";
            default -> PROPERTY + "='" + asked + "' names no transport (expected epoll, io_uring or nio)";
        };
        return new Choice(fallback, warning == null ? null : warning + "; running on " + fallback);
    }

    /**
     * Has the kernel find a dead path under {@code channel} (a NAT or firewall that dropped the
     * flow, a cable, a suspended peer) within {@code quiet} plus {@value #PATH_PROBES} seconds of
     * the last segment from the peer: TCP keepalive probes after {@code quiet} without one, every
     * {@value #PATH_PROBE_INTERVAL_SECONDS} s, and on epoll and io_uring also {@code TCP_USER_TIMEOUT}
     * for data sent and never acknowledged (a PING ACK in flight when the path died). The connection
     * then fails with "Connection timed out". The peer's kernel answers the probes, so a live peer
     * that is merely busy (a hub working through a reconnect storm) is never given up this way: that
     * is what the application's own, longer, deadlines are for.
     *
     * @return whether the probes are set; false when the channel's transport cannot (the
     *     application's idle deadline still applies)
     */
    static boolean probeDeadPaths(Channel channel, Duration quiet) {
        int idle = (int) Math.max(1, quiet.toSeconds());
        int giveUpMillis = (idle + PATH_PROBES * PATH_PROBE_INTERVAL_SECONDS) * 1000;
        try {
            if (channel instanceof IoUringSocketChannel) {
                return probe(channel, idle, IoUringChannelOption.TCP_KEEPIDLE, IoUringChannelOption.TCP_KEEPINTVL,
                        IoUringChannelOption.TCP_KEEPCNT, IoUringChannelOption.TCP_USER_TIMEOUT, giveUpMillis);
            }
            if (channel instanceof EpollSocketChannel) {
                return probe(channel, idle, EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL,
                        EpollChannelOption.TCP_KEEPCNT, EpollChannelOption.TCP_USER_TIMEOUT, giveUpMillis);
            }
            if (channel instanceof NioSocketChannel) {
                return probe(channel, idle, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE),
                        NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                        NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), null, giveUpMillis);
            }
        } catch (RuntimeException e) {
            // An option the platform lacks (NIO off Linux): the idle deadline still closes a dead tunnel, later.
            LOG.log(System.Logger.Level.DEBUG, "TCP keepalive probes not set on " + channel + ": " + e);
        }
        return false;
    }

    /** Sets the probes with one transport's options; {@code userTimeout} where it has one. */
    private static boolean probe(Channel channel, int idle, ChannelOption<Integer> keepIdle, ChannelOption<Integer> keepInterval,
            ChannelOption<Integer> keepCount, @Nullable ChannelOption<Integer> userTimeout, int giveUpMillis) {
        channel.config().setOption(ChannelOption.SO_KEEPALIVE, true);
        channel.config().setOption(keepIdle, idle);
        channel.config().setOption(keepInterval, PATH_PROBE_INTERVAL_SECONDS);
        channel.config().setOption(keepCount, PATH_PROBES);
        if (userTimeout != null) {
            channel.config().setOption(userTimeout, giveUpMillis);
        }
        return true;
    }

    /** {@link #PATH_QUIET}, or {@code keepaliveInterval} when that is shorter. */
    static Duration pathQuiet(Duration keepaliveInterval) {
        return keepaliveInterval.compareTo(PATH_QUIET) < 0 ? keepaliveInterval : PATH_QUIET;
    }

    /**
     * Whether the peer's kernel has acknowledged every segment sent on {@code channel}: TCP_INFO's
     * count of unacknowledged segments is zero. Only epoll and io_uring can tell; false on NIO.
     */
    static boolean peerAcknowledgedAll(Channel channel) {
        if (channel instanceof IoUringSocketChannel uring) {
            return uring.isActive() && uring.tcpInfo().unacked() == 0;
        }
        return channel instanceof EpollSocketChannel epoll && epoll.isActive() && epoll.tcpInfo().unacked() == 0;
    }

    /** {@code io_uring}, {@code epoll} or {@code nio}: what {@link #newEventLoopGroup(int)} creates. */
    public static String name() {
        return CHOICE.name();
    }

    /** An event loop group of {@code threads} threads on the preferred transport. */
    public static MultiThreadIoEventLoopGroup newEventLoopGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    static IoHandlerFactory ioHandlerFactory() {
        return switch (CHOICE.name()) {
            case "io_uring" -> IoUringIoHandler.newFactory();
            case "epoll" -> EpollIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
    }

    /** The socket channel class that runs on {@code group}. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isIoUring(group) ? IoUringSocketChannel.class : isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The server socket channel class that runs on {@code group}. */
    public static Class<? extends ServerSocketChannel> serverSocketChannel(EventLoopGroup group) {
        return isIoUring(group) ? IoUringServerSocketChannel.class
                : isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    private static boolean isIoUring(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(IoUringIoHandler.class);
    }

    private static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && Epoll.isAvailable() && io.isIoType(EpollIoHandler.class);
    }
}
