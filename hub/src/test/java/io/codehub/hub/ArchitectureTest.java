package io.codehub.hub;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.util.retry.Retry;

/**
 * The hub's boundaries, checked on its compiled classes in every build: no package cycles (each
 * configuration class wires its own package), no runtime implementation anywhere on its classpath
 * (DESIGN.md: the hub never depends on runtime-docker or runtime-kubernetes), and the workspaces
 * and health packages kept apart from the transports under the Agent API client (they may use the
 * one {@code io.codehub.base.Backoff}, which is no transport), and every retry's delays from that
 * one {@code Backoff} ({@code BackoffRetry}), not from Reactor's own backoff.
 */
class ArchitectureTest {

    private static JavaClasses hub;

    @BeforeAll
    static void importHub() {
        hub = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.codehub.hub");
    }

    @Test
    void hubPackagesAreFreeOfCycles() {
        slices().matching("io.codehub.hub.(*)..").should().beFreeOfCycles().check(hub);
    }

    @Test
    void noRuntimeImplementationIsOnTheHubsClasspath() {
        JavaClasses implementations = new ClassFileImporter()
                .importPackages("io.codehub.runtime.docker", "io.codehub.runtime.kubernetes");
        assertThat(implementations).as("classes of a runtime implementation on the hub's classpath").isEmpty();
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("io.codehub.runtime.docker..", "io.codehub.runtime.kubernetes..", "io.codehub.agent..")
                .check(hub);
    }

    @Test
    void theAgentApiClientKnowsNoTransportBelowSpring() {
        noClasses().that().resideInAnyPackage("io.codehub.hub.workspaces..", "io.codehub.hub.health..")
                .should().dependOnClassesThat().resideInAnyPackage("io.codehub.tunnel..", "io.netty..")
                .check(hub);
    }

    @Test
    void everyRetryWaitsOnTheOneBackoff() {
        noClasses().should().callMethod(Retry.class, "backoff", long.class, Duration.class)
                .orShould().callMethod(Retry.class, "fixedDelay", long.class, Duration.class)
                .because("the hub's retry delays come from io.codehub.base.Backoff through BackoffRetry, whose jitter "
                        + "a test can pin")
                .check(hub);
    }
}
