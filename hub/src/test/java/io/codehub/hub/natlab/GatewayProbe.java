package io.codehub.hub.natlab;

import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.hub.support.GatewayClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A person behind the gateway, run as its own process inside the NAT lab's hub namespace (where
 * the gateway listens on loopback) by {@link NatGatewayIT}: signs in with an access link, then
 * uses the workspace over HTTP, streaming, SSE and WebSocket. Prints one {@code ok ...} line per
 * check and exits 0, or prints what failed and exits 1.
 *
 * <p>Arguments: gateway port, access URL.
 */
public final class GatewayProbe {

    private GatewayProbe() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        URI access = URI.create(args[1]);
        String host = access.getHost();
        GatewayClient gateway = new GatewayClient(port);
        try {
            GatewayClient.Response signIn = gateway.get(host, access.getRawPath() + "?" + access.getRawQuery(), Map.of());
            check(signIn.status() == 302, "sign-in answered " + signIn.status());
            Map<String, String> auth = Map.of("Cookie", GatewayClient.cookieOf(signIn.header("Set-Cookie")));
            System.out.println("ok signed in");

            GatewayClient.Response hello = gateway.get(host, "/hello", auth);
            check(hello.status() == 200 && hello.body().equals("hello from port 8080\n"), "GET /hello: " + hello);
            System.out.println("ok GET /hello");

            long size = 64L * 1024 * 1024;
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            String uploaded = gateway.client(host, auth).headers(h -> h.set("Content-Length", Long.toString(size)))
                    .post().uri("/sha256").send(pattern(size, sent))
                    .responseSingle((response, body) -> body.asString()).block(Duration.ofMinutes(2));
            String digest = HexFormat.of().formatHex(sent.digest());
            check(uploaded != null && uploaded.contains(digest), "upload: " + uploaded);
            System.out.println("ok upload 64 MiB");

            MessageDigest received = MessageDigest.getInstance("SHA-256");
            AtomicLong count = new AtomicLong();
            gateway.client(host, auth).get().uri("/bytes?n=" + size).responseContent()
                    .doOnNext(buf -> {
                        count.addAndGet(buf.readableBytes());
                        received.update(buf.nioBuffer());
                    }).then().block(Duration.ofMinutes(2));
            check(count.get() == size && HexFormat.of().formatHex(received.digest()).equals(digest),
                    "download: " + count.get() + " bytes");
            System.out.println("ok download 64 MiB");

            List<String> events = gateway.client(host, auth).get().uri("/sse?count=3&intervalMs=100")
                    .responseContent().asString().collectList().block(Duration.ofSeconds(30));
            check(events != null && String.join("", events).contains("data: event 2"), "SSE: " + events);
            System.out.println("ok SSE");

            byte[] big = new byte[1024 * 1024];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 13);
            }
            Map<String, String> ws = Map.of("Cookie", auth.get("Cookie"), "Origin", "http://" + host);
            Integer echoed = gateway.websocket(host, "/ws", ws, (in, out) -> out
                            .sendObject(Mono.just(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(big)))).then()
                            .thenMany(in.aggregateFrames(4 * 1024 * 1024).receiveFrames().take(1)
                                    .map(frame -> frame.content().readableBytes())))
                    .blockFirst(Duration.ofSeconds(60));
            check(echoed != null && echoed == big.length, "WebSocket 1 MiB echo: " + echoed);
            List<String> replies = gateway.websocket(host, "/ws", ws, (in, out) -> out
                            .sendString(Flux.range(0, 1000).map(i -> "m" + i)).then()
                            .thenMany(in.receive().asString().take(1000)))
                    .collectList().block(Duration.ofSeconds(60));
            check(replies != null && replies.size() == 1000 && replies.get(999).equals("m999"), "WebSocket 1,000 echoes");
            System.out.println("ok WebSocket");
            System.exit(0);
        } catch (Throwable e) {
            System.out.println("FAILED " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static Flux<ByteBuf> pattern(long size, MessageDigest digest) {
        return Flux.generate(() -> 0L, (offset, sink) -> {
            if (offset >= size) {
                sink.complete();
                return offset;
            }
            int n = (int) Math.min(64 * 1024, size - offset);
            byte[] bytes = new byte[n];
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (((offset + i) * 31 + 7) & 0xff);
            }
            digest.update(bytes);
            sink.next(Unpooled.wrappedBuffer(bytes));
            return offset + n;
        });
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
