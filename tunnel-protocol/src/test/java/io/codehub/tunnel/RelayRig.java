package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.LOOPBACK_ANY_PORT;
import static io.codehub.tunnel.TunnelTestKit.WAIT;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The pieces of the relay tests: an agent application (echo, a large streamed answer counting
 * what it sent, a held stream that records resets, CONNECT to a loopback echo server), a relay
 * handler that checks a token and finds the agent's session, and a response sink that hashes
 * what it receives with SHA-256.
 */
final class RelayRig {

    static final String TOKEN = "Bearer relay-test-token";
    static final int CHUNK = 16 * 1024;

    private RelayRig() {
    }

    static Http2Headers relayHeaders(String agentId, String token) {
        Http2Headers headers = new DefaultHttp2Headers().add(RelayServer.AGENT_HEADER, agentId);
        if (token != null) {
            headers.add(RelayServer.AUTHORIZATION_HEADER, token);
        }
        return headers;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deterministic payload chunk {@code index}. */
    static byte[] chunk(int index) {
        byte[] bytes = new byte[CHUNK];
        new Random(index).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code chunks} chunks, each after the previous completed; ends the stream with the last. */
    static CompletableFuture<String> writeChunks(TunnelStream stream, int chunks) {
        MessageDigest digest = sha256();
        CompletableFuture<String> done = new CompletableFuture<>();
        writeNext(stream, 0, chunks, digest, done);
        return done;
    }

    private static void writeNext(TunnelStream stream, int index, int chunks, MessageDigest digest,
            CompletableFuture<String> done) {
        byte[] bytes = chunk(index);
        digest.update(bytes);
        boolean last = index == chunks - 1;
        stream.writeData(Unpooled.wrappedBuffer(bytes), last).whenComplete((v, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (last) {
                done.complete(HexFormat.of().formatHex(digest.digest()));
            } else {
                writeNext(stream, index + 1, chunks, digest, done);
            }
        });
    }

    /** The relay handler of the tests: token, then the agent's session on {@code server} (or a pinned one). */
    static final class Handler implements RelayHandler {
        final TunnelServer server;
        final Map<String, TunnelSession> pinned = new ConcurrentHashMap<>();
        final List<Http2Headers> seen = new CopyOnWriteArrayList<>();

        Handler(TunnelServer server) {
            this.server = server;
        }

        @Override
        public RelayDecision decide(Http2Headers headers, InetSocketAddress peer) {
            seen.add(headers);
            CharSequence agent = headers.get(RelayServer.AGENT_HEADER);
            CharSequence token = headers.get(RelayServer.AUTHORIZATION_HEADER);
            if (token == null) {
                return RelayDecision.refuse(RelayProblem.UNAUTHORIZED, "no relay credential");
            }
            if (!TOKEN.contentEquals(token)) {
                return RelayDecision.refuse(RelayProblem.FORBIDDEN, "relay credential not accepted");
            }
            if (agent == null) {
                return RelayDecision.refuse(RelayProblem.MALFORMED, "no " + RelayServer.AGENT_HEADER);
            }
            TunnelSession session = pinned.get(agent.toString());
            if (session == null) {
                session = server.session(agent.toString()).orElse(null);
            }
            if (session == null) {
                return RelayDecision.refuse(RelayProblem.AGENT_NOT_CONNECTED, "agent " + agent + " is not here");
            }
            return RelayDecision.forward(session);
        }
    }

    /** The agent's application. */
    static final class AgentApp implements IncomingStreamHandlerFactory {
        final String agentId;
        /** The request HEADERS of every stream but CONNECT streams (which the agent's ConnectRelay serves). */
        final List<Http2Headers> requests = new CopyOnWriteArrayList<>();
        /** The request HEADERS of every stream. */
        final List<Http2Headers> seen = new CopyOnWriteArrayList<>();
        final AtomicLong largeSent = new AtomicLong();
        final CompletableFuture<TunnelStream> held = new CompletableFuture<>();
        final CompletableFuture<Http2Error> heldReset = new CompletableFuture<>();

        AgentApp(String agentId) {
            this.agentId = agentId;
        }

        @Override
        public TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers headers, boolean endStream) {
            requests.add(headers);
            String path = String.valueOf(headers.path());
            if (path.startsWith("/large/")) {
                long bytes = Long.parseLong(path.substring("/large/".length()));
                stream.writeHeaders(new DefaultHttp2Headers().status("200").add("x-agent", agentId), false);
                writeLarge(stream, 0, (int) (bytes / CHUNK));
                return drop();
            }
            if (path.equals("/hold")) {
                held.complete(stream);
                return new TunnelStreamHandler() {
                    @Override
                    public void onHeaders(Http2Headers h, boolean end) {
                    }

                    @Override
                    public void onData(ByteBuf data, boolean end) {
                        data.release();
                    }

                    @Override
                    public void onReset(Http2Error error) {
                        heldReset.complete(error);
                    }
                };
            }
            return echo(stream, endStream);
        }

        private void writeLarge(TunnelStream stream, int index, int chunks) {
            boolean last = index == chunks - 1;
            stream.writeData(Unpooled.wrappedBuffer(chunk(index)), last).whenComplete((v, e) -> {
                if (e == null) {
                    largeSent.addAndGet(CHUNK);
                    if (!last) {
                        writeLarge(stream, index + 1, chunks);
                    }
                }
            });
        }

        private static TunnelStreamHandler drop() {
            return new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers h, boolean end) {
                }

                @Override
                public void onData(ByteBuf data, boolean end) {
                    data.release();
                }
            };
        }

        /** 200 with {@code x-agent}, the body echoed frame by frame, trailers {@code x-end: yes}. */
        private TunnelStreamHandler echo(TunnelStream stream, boolean endStream) {
            stream.writeHeaders(new DefaultHttp2Headers().status("200").add("x-agent", agentId), false);
            if (endStream) {
                stream.writeHeaders(new DefaultHttp2Headers().add("x-end", "yes"), true);
            } else {
                stream.request(1);
            }
            return new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers trailers, boolean end) {
                    stream.writeHeaders(new DefaultHttp2Headers().add("x-end", "yes"), true);
                }

                @Override
                public void onData(ByteBuf data, boolean end) {
                    stream.writeData(data, false).whenComplete((v, e) -> {
                        if (e != null) {
                            return;
                        }
                        if (end) {
                            stream.writeHeaders(new DefaultHttp2Headers().add("x-end", "yes"), true);
                        } else {
                            stream.request(1);
                        }
                    });
                }
            };
        }
    }

    /** Forwarder side: collects a response, hashing its body; requests frame by frame unless told to stall. */
    static final class Sink implements TunnelStreamHandler {
        final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();
        final CompletableFuture<Http2Headers> trailers = new CompletableFuture<>();
        final CompletableFuture<String> body = new CompletableFuture<>();
        final CompletableFuture<TunnelStreamException> error = new CompletableFuture<>();
        final MessageDigest digest = sha256();
        final StringBuilder text = new StringBuilder();
        final AtomicLong bytes = new AtomicLong();
        volatile boolean stalled;
        volatile TunnelStream stream;

        Sink attach(TunnelStream s) {
            stream = s;
            s.request(1);
            return this;
        }

        /** Starts reading again after a stall. */
        void resume() {
            stalled = false;
            stream.request(1);
        }

        @Override
        public void onHeaders(Http2Headers h, boolean endStream) {
            if (!headers.isDone()) {
                headers.complete(h);
            } else {
                trailers.complete(h);
            }
            if (endStream) {
                finish();
            } else if (!stalled) {
                stream.request(1);
            }
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            try {
                byte[] copy = new byte[data.readableBytes()];
                data.readBytes(copy);
                digest.update(copy);
                bytes.addAndGet(copy.length);
                if (text.length() < 4096) {
                    text.append(new String(copy, StandardCharsets.UTF_8));
                }
            } finally {
                data.release();
            }
            if (endStream) {
                finish();
            } else if (!stalled) {
                stream.request(1);
            }
        }

        private void finish() {
            body.complete(HexFormat.of().formatHex(digest.digest()));
        }

        @Override
        public void onStreamError(TunnelStreamException e) {
            error.complete(e);
            headers.completeExceptionally(e);
            body.completeExceptionally(e);
        }

        @Override
        public void onClosed() {
            body.completeExceptionally(new TunnelException("closed before the end of the body"));
        }

        String status() throws Exception {
            return headers.get(WAIT.toSeconds(), TimeUnit.SECONDS).status().toString();
        }
    }

    /** A loopback TCP echo server that half-closes when its client does. */
    static final class EchoServer implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel channel;

        EchoServer() throws InterruptedException {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownEvent) {
                                ((SocketChannel) ctx.channel()).shutdownOutput();
                            }
                        }
                    })
                    .bind(LOOPBACK_ANY_PORT).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    /** Whether any header of {@code headers} is one of the relay's. */
    static boolean hasRelayHeader(Http2Headers headers) {
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            if (header.getKey().toString().toLowerCase(Locale.ROOT).startsWith(RelayServer.HEADER_PREFIX)) {
                return true;
            }
        }
        return false;
    }
}
