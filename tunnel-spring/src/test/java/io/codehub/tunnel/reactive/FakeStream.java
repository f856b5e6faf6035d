package io.codehub.tunnel.reactive;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TunnelStream} that records what is asked of it: demand, resets and the frames written
 * (DATA is released as a real stream would once written). Writes complete at once, or wait for
 * {@link #completeWrites()} when {@link #holdWrites} is set; {@link #failWrites} fails them.
 */
final class FakeStream implements TunnelStream {

    /** A frame written: HEADERS or DATA, its length (DATA only), and END_STREAM. */
    record Frame(boolean headers, int length, boolean endStream) {
        @Override
        public String toString() {
            return (headers ? "HEADERS" : "DATA(" + length + ")") + (endStream ? "+END_STREAM" : "");
        }
    }

    final AtomicLong requested = new AtomicLong();
    final List<Http2Error> resets = new CopyOnWriteArrayList<>();
    final List<Frame> frames = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
    volatile boolean writable = true;
    volatile boolean holdWrites;
    volatile @Nullable TunnelStreamException failWrites;

    @Override
    public CompletableFuture<Void> writeHeaders(Http2Headers headers, boolean endStream) {
        frames.add(new Frame(true, 0, endStream));
        return written();
    }

    @Override
    public CompletableFuture<Void> writeData(ByteBuf data, boolean endStream) {
        frames.add(new Frame(false, data.readableBytes(), endStream));
        data.release();
        return written();
    }

    private CompletableFuture<Void> written() {
        TunnelStreamException failure = failWrites;
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        if (holdWrites) {
            CompletableFuture<Void> write = new CompletableFuture<>();
            pending.add(write);
            return write;
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Completes the writes held so far. */
    void completeWrites() {
        List<CompletableFuture<Void>> held = List.copyOf(pending);
        pending.clear();
        held.forEach(write -> write.complete(null));
    }

    @Override
    public @Nullable InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void request(int n) {
        requested.addAndGet(n);
    }

    @Override
    public void reset(Http2Error error) {
        resets.add(error);
    }

    @Override
    public boolean isOpen() {
        return resets.isEmpty();
    }

    @Override
    public String sessionId() {
        return "fake";
    }

    @Override
    public String toString() {
        return "FakeStream";
    }
}
