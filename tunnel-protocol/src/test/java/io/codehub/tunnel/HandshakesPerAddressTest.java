package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class HandshakesPerAddressTest {

    private final HandshakesPerAddress handshakes = new HandshakesPerAddress(3);

    @Test
    void oneAddressGetsAtMostItsShareAndGetsItBackAsHandshakesEnd() throws Exception {
        InetAddress one = InetAddress.getByName("127.0.0.2");
        InetAddress other = InetAddress.getByName("127.0.0.3");
        List<Runnable> slots = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Runnable slot = handshakes.tryAcquireShare(one);
            assertThat(slot).as("slot %d", i).isNotNull();
            slots.add(slot);
        }
        assertThat(handshakes.tryAcquireShare(one)).isNull();
        assertThat(handshakes.tryAcquireShare(other)).as("another address has its own share").isNotNull();

        slots.get(0).run();
        slots.get(0).run(); // twice (101, then close) gives back one slot only
        assertThat(handshakes.openFrom(one)).isEqualTo(2);
        assertThat(handshakes.tryAcquireShare(one)).isNotNull();
        assertThat(handshakes.tryAcquireShare(one)).isNull();
    }

    @Test
    void anIpv6SourceIsCountedByItsSlash64() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertThat(handshakes.tryAcquireShare(InetAddress.getByName("2001:db8:1:2::" + i))).isNotNull();
        }
        assertThat(handshakes.tryAcquireShare(InetAddress.getByName("2001:db8:1:2:ffff::9"))).isNull();
        assertThat(handshakes.tryAcquireShare(InetAddress.getByName("2001:db8:1:3::1"))).isNotNull();
    }

    @Test
    void anEntryLivesOnlyWhileItsAddressHasAHandshakeOpen() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.4");
        Runnable slot = handshakes.tryAcquireShare(source);
        slot.run();
        assertThat(handshakes.openFrom(source)).isZero();
        assertThatThrownBy(() -> new HandshakesPerAddress(0))
                .hasMessageContaining("maxHandshakesPerAddress: 0");
    }

    @Test
    void allAddressesTogetherAreFullAtTheirCapAndNotOnceASlotComesBack() throws Exception {
        HandshakesPerAddress capped = new HandshakesPerAddress(3, 4);
        List<Runnable> slots = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertThat(capped.full()).isFalse();
            slots.add(capped.acquireSlot());
        }
        assertThat(capped.full()).isTrue();
        assertThat(capped.inProgress()).isEqualTo(4);

        slots.get(0).run();
        slots.get(0).run(); // given back once only
        assertThat(capped.inProgress()).isEqualTo(3);
        assertThat(capped.full()).isFalse();
        assertThat(capped.openFrom(InetAddress.getByName("127.0.0.10"))).as("slots are not any address's share").isZero();
    }
}
