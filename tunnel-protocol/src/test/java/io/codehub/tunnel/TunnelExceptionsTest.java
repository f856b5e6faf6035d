package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;

import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.Test;

/** The typed tunnel errors keep their HTTP/2 code and say when the peer never processed a stream. */
class TunnelExceptionsTest {

    @Test
    void onlyAPeersRefusalOfAStreamIsUnprocessed() {
        TunnelStreamException refused = TunnelStreamException.reset("stream 5", 5, Http2Error.REFUSED_STREAM, true);
        assertThat(refused.streamId()).isEqualTo(5);
        assertThat(refused.error()).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(refused.isUnprocessed()).isTrue();
        assertThat(refused).hasMessage("stream 5 was reset by the peer (REFUSED_STREAM): refused before any processing");

        TunnelStreamException cancelled = TunnelStreamException.reset("stream 7", 7, Http2Error.CANCEL, true);
        assertThat(cancelled.error()).isEqualTo(Http2Error.CANCEL);
        assertThat(cancelled.isUnprocessed()).isFalse();
        TunnelStreamException failed = TunnelStreamException.reset("stream 9", 9, Http2Error.INTERNAL_ERROR, true);
        assertThat(failed.isUnprocessed()).isFalse();

        TunnelStreamException refusedHere = TunnelStreamException.reset("stream 3", 3, Http2Error.REFUSED_STREAM, false);
        assertThat(refusedHere.isUnprocessed()).as("this end's own reset says nothing of the peer").isFalse();
        assertThat(refusedHere).hasMessage("stream 3 was reset by this end (REFUSED_STREAM)");
    }

    @Test
    void connectionErrorsKeepTheirReasonAndCode() {
        TunnelConnectionException goingAway = new TunnelConnectionException(TunnelConnectionException.Reason.GOING_AWAY,
                null, true, "openStream on session s of agent a: session draining", null);
        assertThat(goingAway.reason()).isEqualTo(TunnelConnectionException.Reason.GOING_AWAY);
        assertThat(goingAway.error()).isNull();
        assertThat(goingAway.isUnprocessed()).isTrue();

        TunnelConnectionException lost = new TunnelConnectionException(TunnelConnectionException.Reason.LOST,
                Http2Error.PROTOCOL_ERROR, false, "session s: protocol error", null);
        assertThat(lost.error()).isEqualTo(Http2Error.PROTOCOL_ERROR);
        assertThat(lost.isUnprocessed()).isFalse();
        assertThat(new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, "closed", null).isUnprocessed())
                .isFalse();
    }

    @Test
    void everyTunnelFailureIsATransportFailure() {
        HandshakeRejectedException rejected = new HandshakeRejectedException("hub:7443", 503, "urn:x", "draining",
                Duration.ofSeconds(3));
        assertThat(rejected).isInstanceOf(TunnelConnectionException.class).isInstanceOf(IOException.class);
        assertThat(rejected.reason()).isEqualTo(TunnelConnectionException.Reason.CONNECT_FAILED);
        assertThat(new TunnelStreamException(TunnelStreamException.NO_STREAM_ID, Http2Error.REFUSED_STREAM, true,
                "limit", null)).isInstanceOf(TunnelException.class).isInstanceOf(IOException.class);
        assertThat(new TunnelException("bind").isUnprocessed()).isFalse();
    }
}
