package io.codehub.hub.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** {@link CheckTimes}: due agents come out in due order, moved and forgotten agents with their times. */
class CheckTimesTest {

    static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    final CheckTimes times = new CheckTimes();

    List<String> due(Instant now) {
        List<String> ids = new ArrayList<>();
        for (Iterator<CheckTimes.Due> it = times.due(now); it.hasNext();) {
            ids.add(it.next().agentId());
        }
        return ids;
    }

    @Test
    void onlyTheDueComeOutLongestDueFirstAndAMovedAgentLeavesItsOldPlace() {
        times.put("c", T0.plusSeconds(3));
        times.put("a", T0.plusSeconds(1));
        times.put("b", T0.plusSeconds(2));
        times.put("late", T0.plusSeconds(60));

        assertThat(due(T0)).isEmpty();
        assertThat(due(T0.plusSeconds(2))).containsExactly("a", "b");

        times.put("a", T0.plusSeconds(30)); // checked: due again later
        times.put("c", Instant.MIN); // came back after failing: due at once
        assertThat(due(T0.plusSeconds(3))).containsExactly("c", "b");
        assertThat(times.get("a")).isEqualTo(T0.plusSeconds(30));
        assertThat(times.size()).isEqualTo(4);
    }

    @Test
    void putIfAbsentKeepsAnExistingTimeAndRetainAllForgetsDeletedAgents() {
        times.put("a", T0.plusSeconds(5));
        times.putIfAbsent("a", id -> T0);
        times.putIfAbsent("b", id -> T0.plusSeconds(1));
        assertThat(due(T0.plusSeconds(1))).containsExactly("b");

        times.retainAll(Set.of("a"));
        assertThat(times.get("b")).isNull();
        assertThat(due(T0.plusSeconds(10))).containsExactly("a");
    }

    @Test
    void agentsDueAtTheSameMomentAreAllKept() {
        for (int i = 0; i < 100; i++) {
            times.put("agent-" + i, T0);
        }
        assertThat(due(T0)).hasSize(100);
    }
}
