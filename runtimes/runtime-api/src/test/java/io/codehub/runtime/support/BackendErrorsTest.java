package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

class BackendErrorsTest {

    @Test
    void unreachableMeansIoTimeoutOrFullQueueAnywhereInTheChain() {
        assertThat(BackendErrors.isUnreachable(new RuntimeException(new IOException("refused")))).isTrue();
        assertThat(BackendErrors.isUnreachable(new TimeoutException())).isTrue();
        assertThat(BackendErrors.isUnreachable(new RejectedExecutionException())).isTrue();
        assertThat(BackendErrors.isUnreachable(new IllegalStateException("boom"))).isFalse();
    }

    @Test
    void quoteStripsAndCuts() {
        assertThat(BackendErrors.quote("  words \n")).isEqualTo("words");
        assertThat(BackendErrors.quote("x".repeat(2000))).hasSize(BackendErrors.MAX_MESSAGE + 3).endsWith("...");
    }
}
