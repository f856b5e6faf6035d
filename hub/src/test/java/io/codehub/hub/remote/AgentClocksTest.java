package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class AgentClocksTest {

    private final AgentClocks clocks = new AgentClocks(Duration.ofSeconds(30));

    @Test
    void aCallsOffsetIsTheAgentsTimeAgainstTheMidpointOfTheRoundTrip() {
        assertThat(clocks.offset("a")).isNull();
        assertThat(clocks.offsetMillis("a")).isNull();
        // sent at 1000, answered at 1100 (hub clock); the agent stamped 301_050: it is 300 s ahead
        clocks.recordCall("a", 301_050, 1_000, 1_100);
        assertThat(clocks.offset("a")).isEqualTo(Duration.ofSeconds(300));
        clocks.recordCall("b", 1_050 - 300_000, 1_000, 1_100);
        assertThat(clocks.offsetMillis("b")).isEqualTo(-300_000);
        assertThat(clocks.offset("c")).isNull();
    }

    @Test
    void theLatestSampleWinsUnlessItIsMuchLessPreciseAndTheLastOneIsRecent() {
        clocks.recordCall("a", 10_050, 1_000, 1_100); // 9000 ±50
        clocks.recordCall("a", 12_000, 1_000, 11_000); // 6000 ±5000, 10 s later: a call stuck in a queue
        assertThat(clocks.offsetMillis("a")).isEqualTo(9_000);
        clocks.recordCall("a", 6_550, 2_000, 2_100); // 4500 ±50, as precise: the clock moved
        assertThat(clocks.offsetMillis("a")).isEqualTo(4_500);
        long later = 2_100 + AgentClocks.STALE_AFTER.toMillis() + 1;
        clocks.recordCall("a", later + 1_000, later - 5_000, later); // ±2500, but the precise one is stale
        assertThat(clocks.offsetMillis("a")).isEqualTo(3_500);
        clocks.recordOneWay("a", Duration.ofMillis(-200), later + 10); // a handshake: taken as is
        assertThat(clocks.offsetMillis("a")).isEqualTo(-200);
    }

    @Test
    void agentsBeyondTheThresholdAreCountedUntilTheyComeBack() {
        clocks.recordOneWay("a", Duration.ofMinutes(5), 0);
        clocks.recordOneWay("b", Duration.ofMinutes(-5), 0);
        clocks.recordOneWay("c", Duration.ofSeconds(30), 0); // at the threshold, not beyond
        assertThat(clocks.skewedAgents()).isEqualTo(2);
        clocks.recordOneWay("a", Duration.ofMillis(10), 1);
        assertThat(clocks.skewedAgents()).isEqualTo(1);
        clocks.forget("b");
        assertThat(clocks.skewedAgents()).isZero();
        assertThat(clocks.offset("b")).isNull();
    }

    @Test
    void theMapIsBounded() {
        for (int i = 0; i < AgentClocks.MAX_AGENTS; i++) {
            clocks.recordOneWay("agent-" + i, Duration.ofSeconds(1), 0);
        }
        assertThat(clocks.offset("agent-0")).isNotNull();
        clocks.recordOneWay("one-too-many", Duration.ofSeconds(2), 0);
        assertThat(clocks.offset("one-too-many")).isEqualTo(Duration.ofSeconds(2));
        assertThat(clocks.offset("agent-0")).as("dropped, measured again by its next call").isNull();
        clocks.recordOneWay("agent-1", Duration.ofSeconds(1), 0);
        assertThat(clocks.offset("one-too-many")).isNotNull();
    }
}
