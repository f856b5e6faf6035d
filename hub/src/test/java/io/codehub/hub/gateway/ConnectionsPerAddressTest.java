package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class ConnectionsPerAddressTest {

    @Test
    void anAddressIsCappedAndOthersAreNot() throws Exception {
        InetAddress one = InetAddress.getByName("127.0.0.1");
        InetAddress two = InetAddress.getByName("127.0.0.2");
        ConnectionsPerAddress connections = new ConnectionsPerAddress(2);

        assertThat(connections.tryOpen(one)).isTrue();
        assertThat(connections.tryOpen(one)).isTrue();
        assertThat(connections.tryOpen(one)).isFalse();
        assertThat(connections.tryOpen(two)).isTrue();
        assertThat(connections.open(one)).isEqualTo(2);

        connections.closed(one);
        assertThat(connections.tryOpen(one)).isTrue();
        connections.closed(one);
        connections.closed(one);
        assertThat(connections.open(one)).isZero();
    }

    @Test
    void theCapMustBePositive() {
        assertThatThrownBy(() -> new ConnectionsPerAddress(0)).hasMessage("max: 0 (expected: > 0)");
    }
}
