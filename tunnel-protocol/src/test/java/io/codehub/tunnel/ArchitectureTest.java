package io.codehub.tunnel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's rule for this module, checked in every build: the tunnel protocol is pure Netty (and
 * codehub's dependency-free {@code base}).
 */
class ArchitectureTest {

    @Test
    void theTunnelProtocolDependsOnNettyAndTheJdkOnly() {
        JavaClasses tunnel = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.codehub.tunnel");
        classes().that().resideInAPackage("io.codehub.tunnel..")
                .should().onlyDependOnClassesThat()
                .resideInAnyPackage("io.codehub.tunnel..", "io.codehub.base..", "io.netty..", "java..", "javax..",
                        "jdk.net..", "org.jspecify..") // jdk.net: the JDK's own socket options (TCP keepalive)
                .check(tunnel);
    }
}
