package io.codehub.hub.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class BatchesTest {

    /** Each batch as it started, and the signal that ends it. */
    private final List<List<Integer>> started = new CopyOnWriteArrayList<>();
    private final List<Sinks.Empty<Void>> running = new CopyOnWriteArrayList<>();

    private Batches<Integer> batches(int maxBatch) {
        return new Batches<>("test work", maxBatch, batch -> {
            started.add(List.copyOf(batch));
            Sinks.Empty<Void> end = Sinks.empty();
            running.add(end);
            return end.asMono();
        });
    }

    @Test
    void anItemAloneStartsABatchAtOnceAndItemsAddedMeanwhileGoInTheNextUpToTheCap() {
        Batches<Integer> batches = batches(3);
        batches.add(1);
        assertThat(started).containsExactly(List.of(1));

        for (int i = 2; i <= 6; i++) {
            batches.add(i);
        }
        assertThat(started).as("one batch at a time").hasSize(1);

        running.get(0).tryEmitEmpty();
        assertThat(started).containsExactly(List.of(1), List.of(2, 3, 4));
        running.get(1).tryEmitError(new IllegalStateException("a failed batch"));
        assertThat(started).as("the next starts however the last ended")
                .containsExactly(List.of(1), List.of(2, 3, 4), List.of(5, 6));
        running.get(2).tryEmitEmpty();

        batches.add(7);
        assertThat(started).last().isEqualTo(List.of(7));
    }

    @Test
    void workThatThrowsInsteadOfFailingDoesNotStopTheNextBatch() {
        List<List<Integer>> seen = new ArrayList<>();
        Batches<Integer> batches = new Batches<>("test work", 10, batch -> {
            seen.add(List.copyOf(batch));
            if (batch.contains(1)) {
                throw new IllegalStateException("thrown by the work itself");
            }
            return Mono.empty();
        });
        batches.add(1);
        batches.add(2);
        assertThat(seen).containsExactly(List.of(1), List.of(2));
    }
}
