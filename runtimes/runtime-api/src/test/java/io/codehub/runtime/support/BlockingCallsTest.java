package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.base.Causes;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class BlockingCallsTest {

    /** A client that is just a name; errors map as a runtime would map its library's. */
    private static final class FakeCalls extends BlockingCalls<String> {

        final AtomicBoolean clientClosed = new AtomicBoolean();

        FakeCalls() {
            super("client", "codehub-test", 2);
        }

        @Override
        protected RuntimeProblemException translate(Throwable error, String operation, String resource) {
            if (error instanceof RuntimeProblemException problem) {
                return problem;
            }
            if (BackendErrors.isUnreachable(error)) {
                return new BackendUnavailableException("test backend unreachable: " + Causes.rootMessage(error),
                        error);
            }
            return new BackendFailureException(ProblemType.INTERNAL, operation + " " + resource + ": " + error, error);
        }

        @Override
        protected void closeClient() {
            clientClosed.set(true);
        }
    }

    @Test
    void callsRunOnTheBoundedSchedulerWithTheClient() {
        try (FakeCalls calls = new FakeCalls()) {
            StepVerifier.create(calls.call("read", "thing", client -> client + " on " + Thread.currentThread().getName()))
                    .assertNext(result -> assertThat(result).startsWith("client on codehub-test-"))
                    .verifyComplete();
            StepVerifier.create(calls.call("read", "nothing", client -> null)).verifyComplete();
            StepVerifier.create(calls.blocking(() -> Thread.currentThread().getName()))
                    .assertNext(name -> assertThat(name).startsWith("codehub-test-"))
                    .verifyComplete();
        }
    }

    @Test
    void errorsAreTranslatedWithOperationAndResource() {
        try (FakeCalls calls = new FakeCalls()) {
            StepVerifier.create(calls.run("delete", "thing x", client -> {
                throw new IllegalStateException("boom");
            })).expectErrorSatisfies(error -> assertThat(error).isInstanceOf(BackendFailureException.class)
                    .hasMessage("delete thing x: java.lang.IllegalStateException: boom"))
                    .verify(Duration.ofSeconds(5));
            StepVerifier.create(calls.call("get", "thing", client -> {
                throw new UncheckedIOException(new IOException("connection refused"));
            })).expectErrorSatisfies(error -> assertThat(error).isInstanceOf(BackendUnavailableException.class)
                    .hasMessage("test backend unreachable: connection refused"))
                    .verify(Duration.ofSeconds(5));
        }
    }

    @Test
    void closeStopsTheSchedulerAndClosesTheClient() {
        FakeCalls calls = new FakeCalls();
        calls.close();
        assertThat(calls.scheduler().isDisposed()).isTrue();
        assertThat(calls.clientClosed).isTrue();
    }
}
