package io.codehub.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class PatternInputTest {

    @Test
    void chunksSpellThePatternAcrossChunkBoundaries() {
        long length = 3L * PatternInput.CHUNK_SIZE + 1000;
        PatternInput input = new PatternInput(length);
        long index = 0;
        int chunks = 0;
        while (!input.isEndOfInput()) {
            ByteBuf chunk = input.readChunk(ByteBufAllocator.DEFAULT);
            assertThat(chunk).isNotNull();
            try {
                assertThat(chunk.readableBytes()).isLessThanOrEqualTo(PatternInput.CHUNK_SIZE);
                for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i++, index++) {
                    if (chunk.getByte(i) != (byte) ((index * 31 + 7) & 0xff)) {
                        throw new AssertionError("byte " + index + " is " + chunk.getByte(i));
                    }
                }
            } finally {
                chunk.release();
            }
            chunks++;
            assertThat(input.progress()).isEqualTo(index);
        }
        assertThat(index).isEqualTo(length);
        assertThat(chunks).isEqualTo(4);
        assertThat(input.readChunk(ByteBufAllocator.DEFAULT)).isNull();
    }

    @Test
    void anEmptyBodyEndsAtOnce() {
        PatternInput input = new PatternInput(0);

        assertThat(input.isEndOfInput()).isTrue();
        assertThat(input.length()).isZero();
        assertThat(input.readChunk(ByteBufAllocator.DEFAULT)).isNull();
    }

    @Test
    void theLengthIsBounded() {
        assertThat(new PatternInput(PatternInput.MAX_LENGTH).length()).isEqualTo(16L << 30);
        assertThatThrownBy(() -> new PatternInput(PatternInput.MAX_LENGTH + 1))
                .hasMessage("length: 17179869185 (expected: 0 to 17179869184)");
        assertThatThrownBy(() -> new PatternInput(-1)).hasMessage("length: -1 (expected: 0 to 17179869184)");
    }

    @Test
    void chunksAreReadOnly() {
        ByteBuf chunk = new PatternInput(10).readChunk(ByteBufAllocator.DEFAULT);
        try {
            assertThat(chunk.isReadOnly()).isTrue();
        } finally {
            chunk.release();
        }
    }
}
