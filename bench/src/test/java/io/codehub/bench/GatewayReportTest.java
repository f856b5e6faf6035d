package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class GatewayReportTest {

    @Test
    void eachRoundStartsOnePathLaterSoEveryPathTakesEveryPlace() {
        List<String> paths = List.of("upstream", "direct", "tunnel");

        assertThat(GatewayReport.inOrder(paths, 0)).containsExactly("upstream", "direct", "tunnel");
        assertThat(GatewayReport.inOrder(paths, 1)).containsExactly("direct", "tunnel", "upstream");
        assertThat(GatewayReport.inOrder(paths, 2)).containsExactly("tunnel", "upstream", "direct");
        assertThat(GatewayReport.inOrder(paths, 3)).containsExactly("upstream", "direct", "tunnel");
    }

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertThat(GatewayReport.median(List.of(9.0, 1.0, 5.0))).isEqualTo(5.0);
        assertThat(GatewayReport.median(List.of(4.0, 1.0, 2.0, 100.0))).isEqualTo(3.0);
        assertThat(GatewayReport.median(List.of(7.0))).isEqualTo(7.0);
    }

    @Test
    void aRatioPairsEachRoundWithItsOwnBaseline() {
        // Rounds' ratios 0.6, 0.1 and 0.8: the median is 0.6, where the median tunnel over the median
        // upstream (4 / 10) would mix one round's path with another round's baseline.
        assertThat(GatewayReport.medianRatio(List.of(6.0, 1.0, 4.0), List.of(10.0, 10.0, 5.0))).isEqualTo(0.6);
        // A machine that halved its speed in one round slows both alike: every round says 0.5.
        assertThat(GatewayReport.medianRatio(List.of(5_000.0, 2_500.0, 5_000.0), List.of(10_000.0, 5_000.0, 10_000.0)))
                .isEqualTo(0.5);
        assertThatThrownBy(() -> GatewayReport.medianRatio(List.of(1.0), List.of(1.0, 2.0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
