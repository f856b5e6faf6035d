package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/**
 * The bridge's bookkeeping with two recording streams whose writes complete when the test says:
 * demand follows completed writes, failures before {@code connect} are not lost, and nothing is
 * sent on behalf of a stream that failed first. RelayIT runs it on real connections.
 */
class StreamBridgeTest {

    @Test
    void asksForFramesOnlyAsWritesToTheOtherSideComplete() {
        RecordingStream first = new RecordingStream();
        RecordingStream second = new RecordingStream();
        StreamBridge bridge = new StreamBridge("test");
        bridge.connect(first, second, new DefaultHttp2Headers().method("GET").path("/"), false);

        assertThat(second.calls).containsExactly("headers GET end=false", "request " + StreamBridge.FRAMES_IN_FLIGHT);
        assertThat(first.calls).containsExactly("request " + StreamBridge.FRAMES_IN_FLIGHT);

        bridge.firstHandler().onData(Unpooled.wrappedBuffer(new byte[10]), false);
        assertThat(second.calls).last().isEqualTo("data 10 end=false");
        assertThat(first.calls).hasSize(1); // nothing more until the write completes
        second.completeWrites();
        assertThat(first.calls).last().isEqualTo("request 1");

        bridge.firstHandler().onData(Unpooled.wrappedBuffer(new byte[3]), true);
        second.completeWrites();
        assertThat(first.calls).hasSize(2); // the end: no more demand
        assertThat(second.requested()).isEqualTo(StreamBridge.FRAMES_IN_FLIGHT);
    }

    @Test
    void aFailedWriteResetsTheSourceWithTheSinksCode() {
        RecordingStream first = new RecordingStream();
        RecordingStream second = new RecordingStream();
        StreamBridge bridge = new StreamBridge("test");
        bridge.connect(first, second);

        bridge.secondHandler().onHeaders(new DefaultHttp2Headers().status("200"), false);
        first.failWrites(new TunnelStreamException(1, Http2Error.ENHANCE_YOUR_CALM, false, "reset", null));

        assertThat(second.calls).last().isEqualTo("reset ENHANCE_YOUR_CALM");
    }

    @Test
    void aFailureBeforeConnectResetsTheOtherStreamWithoutSendingItsHeaders() {
        RecordingStream first = new RecordingStream();
        RecordingStream second = new RecordingStream();
        StreamBridge bridge = new StreamBridge("test");
        bridge.firstHandler().onStreamError(new TunnelStreamException(1, Http2Error.CANCEL, false, "reset", null));

        bridge.connect(first, second, new DefaultHttp2Headers().method("POST"), false);

        assertThat(second.calls).containsExactly("reset CANCEL");
        assertThat(first.calls).isEmpty();
        assertThatIllegalStateException().isThrownBy(() -> bridge.connect(first, second));
    }

    @Test
    void anUnprocessedFailureOfTheSecondStreamRefusesTheFirst() {
        RecordingStream first = new RecordingStream();
        RecordingStream second = new RecordingStream();
        StreamBridge bridge = new StreamBridge("test");
        bridge.connect(first, second);

        bridge.secondHandler().onStreamError(new TunnelStreamException(3, Http2Error.CANCEL, true,
                "HEADERS never sent", null));

        assertThat(first.calls).last().isEqualTo("reset REFUSED_STREAM");
        RecordingStream third = new RecordingStream();
        new StreamBridge("open failed").secondFailed(third, new TunnelConnectionException(
                TunnelConnectionException.Reason.GOING_AWAY, null, true, "draining", null));
        assertThat(third.calls).containsExactly("reset REFUSED_STREAM");
    }

    /** Records what the bridge does to it; its writes complete when the test says so. */
    private static final class RecordingStream implements TunnelStream {
        final List<String> calls = new CopyOnWriteArrayList<>();
        private final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> writeHeaders(Http2Headers headers, boolean endStream) {
            calls.add("headers " + (headers.method() != null ? headers.method() : headers.status())
                    + " end=" + endStream);
            return pendingWrite();
        }

        @Override
        public CompletableFuture<Void> writeData(ByteBuf data, boolean endStream) {
            calls.add("data " + data.readableBytes() + " end=" + endStream);
            data.release();
            return pendingWrite();
        }

        private CompletableFuture<Void> pendingWrite() {
            CompletableFuture<Void> write = new CompletableFuture<>();
            pending.add(write);
            return write;
        }

        void completeWrites() {
            pending.forEach(w -> w.complete(null));
            pending.clear();
        }

        void failWrites(Throwable error) {
            pending.forEach(w -> w.completeExceptionally(error));
            pending.clear();
        }

        int requested() {
            return calls.stream().filter(c -> c.startsWith("request ")).mapToInt(c -> Integer.parseInt(c.substring(8)))
                    .sum();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return null;
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void request(int n) {
            calls.add("request " + n);
        }

        @Override
        public void reset(Http2Error error) {
            calls.add("reset " + error);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public String sessionId() {
            return "recording";
        }
    }
}
