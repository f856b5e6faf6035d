package io.codehub.sample;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * codehub's sample workspace application: an HTTP/1.1 and WebSocket server on one or more ports,
 * standing in for a workspace's web application (a code-server IDE) behind the hub's workspace
 * gateway. Served on every port alike: {@code GET /} (an HTML page that opens a WebSocket to
 * {@code /ws}), {@code /hello}, {@code /headers}, {@code /bytes?n=N}, {@code POST /sha256},
 * {@code /sse}, {@code /delay?ms=M}, {@code /drop-once?key=K} and the WebSocket echo {@code /ws}; see
 * {@code docs/sample-workspace.md}. One line per request goes to the log stream (stdout).
 *
 * <p>As a program ({@code java -jar codehub-sample-workspace.jar}) it listens on the ports of
 * {@code SAMPLE_PORTS} (default 8080) on {@code SAMPLE_ADDRESS} (default 0.0.0.0) until stopped.
 * Tests start it with {@link #start} on loopback and port 0, and {@link #close} it.
 *
 * <p>Threading: {@link #start} blocks until every port is bound; the instance is then safe to use
 * from any thread; {@link #close} blocks until the event loops stopped (at most a few seconds).
 */
public final class SampleWorkspace implements AutoCloseable {

    /** The title of the {@code GET /} page. */
    public static final String TITLE = "codehub sample workspace";

    /** The largest WebSocket frame {@code /ws} accepts (a message may be larger, in fragments). */
    public static final int MAX_FRAME_PAYLOAD = 64 * 1024 * 1024;

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final RequestLog log;

    private SampleWorkspace(EventLoopGroup group, List<Channel> listeners, RequestLog log) {
        this.group = group;
        this.listeners = listeners;
        this.log = log;
    }

    /**
     * Listens on {@code address} (a literal such as 127.0.0.1, or 0.0.0.0 for every interface) on
     * each of {@code ports} (0 for an ephemeral port), logging requests to {@code logStream}.
     *
     * @throws IllegalArgumentException when a port is out of range or listed twice
     * @throws IllegalStateException when a port cannot be bound (nothing stays bound then)
     */
    public static SampleWorkspace start(String address, List<Integer> ports, PrintStream logStream) {
        WorkspaceSettings settings = new WorkspaceSettings(address, ports);
        RequestLog log = new RequestLog(logStream);
        FirstTries firstTries = new FirstTries();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(16 * 1024)
                                        .setMaxHeaderSize(64 * 1024)
                                        .setMaxChunkSize(64 * 1024)))
                                .addLast("keep-alive", new HttpServerKeepAliveHandler())
                                .addLast("expect-continue", new HttpServerExpectContinueHandler())
                                .addLast("chunked-write", new ChunkedWriteHandler())
                                .addLast("websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig
                                        .newBuilder()
                                        .websocketPath("/ws")
                                        .checkStartsWith(true)
                                        .maxFramePayloadLength(MAX_FRAME_PAYLOAD)
                                        .build()))
                                .addLast("routes", new HttpRoutes(log, firstTries));
                    }
                });
        List<Channel> listeners = new ArrayList<>();
        SampleWorkspace workspace = new SampleWorkspace(group, listeners, log);
        for (int port : settings.ports()) {
            InetSocketAddress endpoint = new InetSocketAddress(settings.address(), port);
            try {
                listeners.add(bootstrap.bind(endpoint).syncUninterruptibly().channel());
            } catch (RuntimeException e) {
                workspace.close();
                throw new IllegalStateException("cannot listen on " + settings.address() + ":" + port + ": " + e, e);
            }
        }
        return workspace;
    }

    /** The ports listened on, in the order asked for (ephemeral ports resolved). */
    public List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (Channel listener : listeners) {
            ports.add(((InetSocketAddress) listener.localAddress()).getPort());
        }
        return List.copyOf(ports);
    }

    /** Stops listening, closes every connection and writes out the log. Idempotent. */
    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.close();
    }

    /** Runs until the JVM is stopped; settings from {@code SAMPLE_PORTS} and {@code SAMPLE_ADDRESS}. */
    public static void main(String[] args) {
        WorkspaceSettings settings;
        try {
            settings = WorkspaceSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("sample-workspace: " + e.getMessage());
            System.exit(2);
            return;
        }
        SampleWorkspace workspace;
        try {
            workspace = start(settings.address(), settings.ports(), System.out);
        } catch (IllegalStateException e) {
            System.err.println("sample-workspace: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(workspace::close, "sample-workspace-shutdown"));
        System.out.println(TITLE + " listening on " + settings.address() + " port(s) " + workspace.ports()
                + " (java " + Runtime.version() + ")");
        // The event loops' threads keep the JVM running.
    }
}
