package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.netty.handler.ssl.NotSslRecordException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A killed agent resets its tunnel instead of closing it when bytes it had not read were waiting:
 * the hub reports that as the agent ending the connection, not as an error.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ResetByPeerTest {

    @BeforeAll
    static void nativeTransportLoaded() {
        Epoll.ensureAvailability(); // as in the hub: a NativeIoException comes from a loaded native transport
    }

    @Test
    void aResetOnEpollOrIoUringOrNioIsThePeerEndingTheConnection() {
        assertThat(DefaultTunnelSession.resetByPeer(
                new Errors.NativeIoException("recvAddress", Errors.ERRNO_ECONNRESET_NEGATIVE))).isTrue();
        assertThat(DefaultTunnelSession.resetByPeer(new SocketException("Connection reset"))).isTrue();
    }

    @Test
    void otherFailuresStayErrors() {
        assertThat(DefaultTunnelSession.resetByPeer(
                new Errors.NativeIoException("writevAddresses", Errors.ERRNO_EPIPE_NEGATIVE))).isFalse();
        assertThat(DefaultTunnelSession.resetByPeer(new SocketException("Connection timed out"))).isFalse();
        assertThat(DefaultTunnelSession.resetByPeer(new IOException("Connection reset"))).isFalse();
        assertThat(DefaultTunnelSession.resetByPeer(new NotSslRecordException("not an SSL/TLS record"))).isFalse();
    }
}
