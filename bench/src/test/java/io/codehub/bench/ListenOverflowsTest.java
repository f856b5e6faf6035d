package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ListenOverflowsTest {

    @Test
    void readsTheTcpExtCounterByItsName() {
        List<String> netstat = List.of(
                "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops",
                "TcpExt: 0 0 143105 143107",
                "IpExt: InNoRoutes ListenOverflows",
                "IpExt: 1 99");
        assertThat(ListenOverflows.parse(netstat)).isEqualTo(143105);
    }

    @Test
    void aKernelWithoutTheCounterReadsMinusOne() {
        assertThat(ListenOverflows.parse(List.of("IpExt: InNoRoutes", "IpExt: 1"))).isEqualTo(-1);
        assertThat(ListenOverflows.parse(List.of())).isEqualTo(-1);
    }

    @Test
    void thisMachinesCounterIsReadable() {
        assertThat(ListenOverflows.read()).as("/proc/net/netstat on Linux").isNotNegative();
    }
}
