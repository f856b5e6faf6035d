package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ContiguousBuffersTest {

    @Test
    void aPayloadSpanningTwoReadBuffersReachesTheDecoderAsOneContiguousCopy() {
        EmbeddedChannel channel = new EmbeddedChannel(ContiguousBuffers.INSTANCE);
        CompositeByteBuf reads = Unpooled.compositeBuffer();
        reads.addComponents(true, Unpooled.copiedBuffer("frame-hea", StandardCharsets.US_ASCII),
                Unpooled.copiedBuffer("der+payload", StandardCharsets.US_ASCII));
        ByteBuf payload = reads.readRetainedSlice(reads.readableBytes());
        reads.release();
        assertThat(payload.isContiguous()).isFalse();

        channel.writeInbound(payload);
        ByteBuf out = channel.readInbound();

        assertThat(out.isContiguous()).isTrue();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("frame-header+payload");
        assertThat(payload.refCnt()).as("the original is released").isZero();
        out.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aContiguousBufferPassesAsItIs() {
        EmbeddedChannel channel = new EmbeddedChannel(ContiguousBuffers.INSTANCE);
        ByteBuf read = Unpooled.directBuffer().writeBytes("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuf slice = read.readRetainedSlice(8);
        read.release();

        channel.writeInbound(slice);

        ByteBuf out = channel.readInbound();
        assertThat(out).isSameAs(slice);
        assertThat(out.refCnt()).isEqualTo(1);
        out.release();
        assertThat(channel.finish()).isFalse();
    }
}
