package io.codehub.sample;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code GET /bytes}: {@code length} bytes of a pattern anyone can check without a copy
 * of it, byte {@code i} being {@code (i * 31 + 7) & 0xff}. Chunks are slices of one shared,
 * never-written array (the pattern repeats every 256 bytes), so a download of any size costs no
 * memory beyond what the channel has in flight; {@code ChunkedWriteHandler} pulls the next chunk
 * only while the channel is writable.
 */
final class PatternInput implements ChunkedInput<ByteBuf> {

    /** The largest length {@code /bytes} serves: 16 GiB. */
    static final long MAX_LENGTH = 16L << 30;

    static final int CHUNK_SIZE = 64 * 1024;

    private static final int PERIOD = 256;
    private static final byte[] PATTERN = new byte[CHUNK_SIZE + PERIOD];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = byteAt(i);
        }
    }

    private final long length;
    private long offset;

    PatternInput(long length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length: " + length + " (expected: 0 to " + MAX_LENGTH + ")");
        }
        this.length = length;
    }

    /** Byte {@code index} of the pattern. */
    static byte byteAt(long index) {
        return (byte) ((index * 31 + 7) & 0xff);
    }

    @Override
    public boolean isEndOfInput() {
        return offset >= length;
    }

    @Override
    public void close() {
        // nothing to release: chunks are slices of a static array
    }

    @Deprecated
    @Override
    public @Nullable ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public @Nullable ByteBuf readChunk(ByteBufAllocator allocator) {
        if (isEndOfInput()) {
            return null;
        }
        int size = (int) Math.min(CHUNK_SIZE, length - offset);
        ByteBuf chunk = Unpooled.wrappedBuffer(PATTERN, (int) (offset % PERIOD), size).asReadOnly();
        offset += size;
        return chunk;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return offset;
    }
}
