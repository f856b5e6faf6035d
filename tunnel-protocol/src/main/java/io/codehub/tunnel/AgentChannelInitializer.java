package io.codehub.tunnel;

import java.net.InetSocketAddress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;

/**
 * The agent's pipeline for one connection attempt, before the upgrade:
 * {@code [HTTP CONNECT proxy] [TLS] HTTP/1.1 codec, aggregator (16 KiB), handshake}. The proxy
 * handler comes first so TLS runs end to end through the proxy's tunnel; both buffer the upgrade
 * request until they are ready. Without a proxy the pipeline is built when the TCP connection is up,
 * so a refused attempt costs only its socket.
 */
final class AgentChannelInitializer extends ChannelInitializer<SocketChannel> {

    /** The placeholder that builds the pipeline once the TCP connection is up (without a proxy). */
    static final String CONNECTED = "connected";

    private final @Nullable HubAddress proxy;
    private final InetSocketAddress proxyAddress;
    private final @Nullable SslContext sslContext;
    private final String tlsServerName;
    private final int hubPort;
    private final ClientHandshakeHandler handshake;

    /**
     * @param proxyAddress the resolved proxy address (unused without a proxy)
     * @param tlsServerName SNI and verified name of the hub certificate
     */
    AgentChannelInitializer(@Nullable HubAddress proxy, InetSocketAddress proxyAddress, @Nullable SslContext sslContext,
            String tlsServerName, int hubPort, ClientHandshakeHandler handshake) {
        this.proxy = proxy;
        this.proxyAddress = proxyAddress;
        this.sslContext = sslContext;
        this.tlsServerName = tlsServerName;
        this.hubPort = hubPort;
        this.handshake = handshake;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (proxy != null) {
            addHandlers(ch.pipeline());
            return;
        }
        // Nothing but the TCP connect until it succeeds: a refused attempt (a hub that is down, its
        // agents retrying) then costs no TLS engine, codecs or timers. Measured with 10,000
        // connectors in one process retrying a closed port: the TLS engine made and shut down per
        // attempt was a quarter of their CPU. (Through a proxy the pipeline is built at once: the
        // proxy handler starts its CONNECT on the channel's activation and would send it twice.)
        ch.pipeline().addLast(CONNECTED, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                addHandlers(ctx.pipeline());
                ctx.fireChannelActive(); // through the handlers just added (the TLS handshake starts once)
                ctx.pipeline().remove(this);
            }
        });
    }

    private void addHandlers(ChannelPipeline p) {
        p.addLast(ClientHandshakeHandler.FirstByte.NAME, new ClientHandshakeHandler.FirstByte(handshake));
        HubAddress px = proxy;
        if (px != null) {
            p.addLast("proxy", px.user().isEmpty()
                    ? new HttpProxyHandler(proxyAddress)
                    : new HttpProxyHandler(proxyAddress, px.user(), px.password()));
        }
        SslContext ssl = sslContext;
        if (ssl != null) {
            SslHandler tls = ssl.newHandler(p.channel().alloc(), tlsServerName, hubPort);
            // The handshake handler times the whole attempt, TLS included: patient until the hub's
            // first byte (the connection may wait in a busy hub's listen backlog), then the handshake
            // timeout. SslHandler's own 10 s timer would give up on a queued connection first.
            tls.setHandshakeTimeoutMillis(0);
            p.addLast("tls", tls);
        }
        p.addLast(ClientHandshakeHandler.HTTP_CODEC, new HttpClientCodec(4096, 8192, 8192));
        p.addLast(ClientHandshakeHandler.AGGREGATOR, new HttpObjectAggregator(ClientHandshakeHandler.MAX_RESPONSE_BYTES));
        p.addLast("handshake", handshake);
    }
}
