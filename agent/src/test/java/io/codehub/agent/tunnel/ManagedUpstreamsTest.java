package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The CONNECT policy: only upstreams of the exposed ports of running managed instances, from a snapshot that ages out. */
class ManagedUpstreamsTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final Runtime runtime = mock(Runtime.class);
    final ManagedUpstreams upstreams = new ManagedUpstreams(runtime, Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(1), Schedulers.parallel(), now::get);

    @Test
    void allowsOnlyUpstreamsOfRunningInstances() {
        WorkspaceId running = WorkspaceId.of("w1");
        WorkspaceId exited = WorkspaceId.of("w2");
        WorkspaceId vanished = WorkspaceId.of("w3");
        when(runtime.listInstances("")).thenReturn(Mono.just(List.of(
                new InstanceStatus(running, InstanceState.RUNNING, "img", null, null, 8080, List.of()),
                new InstanceStatus(exited, InstanceState.EXITED, "img", null, null, 8080, List.of()),
                new InstanceStatus(vanished, InstanceState.RUNNING, "img", null, null, 8080, List.of()))));
        when(runtime.upstream(running, 8080)).thenReturn(Mono.just(new Upstream("127.0.0.1", 40001)));
        when(runtime.upstream(vanished, 8080))
                .thenReturn(Mono.error(new NotFoundException(ProblemType.INSTANCE_NOT_FOUND, "gone")));

        assertThat(upstreams.allows("127.0.0.1", 40001)).as("before the first list").isFalse();
        StepVerifier.create(upstreams.refresh()).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(upstreams.allows("127.0.0.1", 40001)).isTrue();
        assertThat(upstreams.allows("127.0.0.1", 40002)).isFalse();
        assertThat(upstreams.allows("localhost", 40001)).isFalse();
        assertThat(upstreams.allows("10.0.0.1", 40001)).isFalse();
        verify(runtime, times(0)).upstream(eq(exited), anyInt());
        assertThat(upstreams.recentlyRefreshed()).isTrue();

        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(upstreams.recentlyRefreshed()).isFalse();
        now.addAndGet(Duration.ofSeconds(14).toNanos());
        assertThat(upstreams.allows("127.0.0.1", 40001)).as("a list older than the max age").isFalse();
    }

    @Test
    void allowsTheUpstreamOfEveryExposedPortAndNothingElse() {
        WorkspaceId dev = WorkspaceId.of("w1");
        WorkspaceId gone = WorkspaceId.of("w2");
        when(runtime.listInstances("")).thenReturn(Mono.just(List.of(
                new InstanceStatus(dev, InstanceState.RUNNING, "img", null, null, 8080, List.of(3000, 5173)),
                new InstanceStatus(gone, InstanceState.RUNNING, "img", null, null, 8080, List.of(3000)))));
        when(runtime.upstream(dev, 8080)).thenReturn(Mono.just(new Upstream("127.0.0.1", 40001)));
        when(runtime.upstream(dev, 3000)).thenReturn(Mono.just(new Upstream("127.0.0.1", 40002)));
        when(runtime.upstream(dev, 5173)).thenReturn(Mono.just(new Upstream("127.0.0.1", 40003)));
        // Recreated with another spec between the list and the lookups: a port it no longer exposes.
        when(runtime.upstream(gone, 8080)).thenReturn(Mono.just(new Upstream("127.0.0.1", 40010)));
        when(runtime.upstream(gone, 3000))
                .thenReturn(Mono.error(new NotFoundException(ProblemType.PORT_NOT_EXPOSED, "not exposed")));

        StepVerifier.create(upstreams.refresh()).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(upstreams.allows("127.0.0.1", 40001)).as("main port").isTrue();
        assertThat(upstreams.allows("127.0.0.1", 40002)).as("additional port 3000").isTrue();
        assertThat(upstreams.allows("127.0.0.1", 40003)).as("additional port 5173").isTrue();
        assertThat(upstreams.allows("127.0.0.1", 40010)).isTrue();
        assertThat(upstreams.allows("127.0.0.1", 40004)).isFalse();
        assertThat(upstreams.allows("127.0.0.1", 3000)).as("a container port is no upstream").isFalse();
        verify(runtime, times(0)).upstream(any());
    }

    @Test
    void concurrentRefreshesShareOneListing() {
        when(runtime.listInstances("")).thenReturn(Mono.delay(Duration.ofMillis(200)).thenReturn(List.of()));
        StepVerifier.create(Mono.when(upstreams.refresh(), upstreams.refresh(), upstreams.refresh()))
                .expectComplete().verify(Duration.ofSeconds(5));
        verify(runtime, times(1)).listInstances(any());
    }
}
