package io.codehub.tunnel;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The socket transport tunnels run on: Linux epoll when its native library loads (fewer copies
 * and system calls per byte than NIO), NIO everywhere else or when the system property
 * {@code codehub.tunnel.transport=nio} asks for it. {@link TunnelServer} and {@link TunnelConnector}
 * choose their channel classes to match the event loop group they run on, so a group made here,
 * or any NIO group, works.
 */
public final class TunnelTransport {

    private static final boolean EPOLL = !"nio".equalsIgnoreCase(System.getProperty("codehub.tunnel.transport"))
            && Epoll.isAvailable();

    private TunnelTransport() {
    }

    /** {@code epoll} or {@code nio}: what {@link #newEventLoopGroup(int)} creates. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    /** An event loop group of {@code threads} threads on the preferred transport. */
    public static MultiThreadIoEventLoopGroup newEventLoopGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** The socket channel class that runs on {@code group}. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The server socket channel class that runs on {@code group}. */
    public static Class<? extends ServerSocketChannel> serverSocketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    private static boolean isEpoll(EventLoopGroup group) {
        return EPOLL && group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
    }
}
