package io.codehub.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's boundaries, checked in every build: no package cycles, and one Agent API handler
 * behind both doors, which knows neither door nor backend (only the configuration package picks a
 * runtime implementation).
 */
class ArchitectureTest {

    private static JavaClasses agent;

    @BeforeAll
    static void importAgent() {
        agent = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.codehub.agent");
    }

    @Test
    void agentPackagesAreFreeOfCycles() {
        slices().matching("io.codehub.agent.(*)..").should().beFreeOfCycles().check(agent);
    }

    @Test
    void onlyTheConfigurationChoosesARuntimeImplementation() {
        noClasses().that().resideOutsideOfPackage("io.codehub.agent.config..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("io.codehub.runtime.docker..", "io.codehub.runtime.kubernetes..")
                .check(agent);
    }

    @Test
    void theAgentApiKnowsNoDoor() {
        noClasses().that().resideInAPackage("io.codehub.agent.api..")
                .should().dependOnClassesThat().resideInAnyPackage("io.codehub.tunnel..", "io.netty..")
                .check(agent);
    }
}
