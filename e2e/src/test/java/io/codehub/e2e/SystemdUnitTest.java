package io.codehub.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd/codehub-agent.service and its env file: systemd's own checks ({@code systemd-analyze
 * verify}, which must print nothing, and {@code systemd-analyze security --offline}, whose exposure
 * must stay at 2.0 or below), the hardening the unit promises, and that every variable the unit and
 * the env file set is one the agent knows (docs/operations.md lists them). Without
 * {@code systemd-analyze} the systemd checks fail on CI ({@code CI=true}) and are skipped elsewhere.
 */
class SystemdUnitTest {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final Path UNIT = ROOT.resolve("deploy/systemd/codehub-agent.service");
    private static final Path ENV = ROOT.resolve("deploy/systemd/codehub-agent.env");
    private static final Pattern VARIABLE = Pattern.compile("(?m)^#?((?:CODEHUB|HTTPS)_[A-Z0-9_]+|JAVA_OPTS)=");
    private static final Pattern UNIT_VARIABLE = Pattern.compile("^\"?(CODEHUB_[A-Z0-9_]+|JAVA_OPTS)=");

    @TempDir
    Path work;

    @Test
    void systemdFindsNothingToReport() throws IOException, InterruptedException {
        requireSystemdAnalyze();
        // verify reads the unit's name from the file name; a copy keeps the checkout's file untouched.
        Path unit = Files.copy(UNIT, work.resolve("codehub-agent.service"));

        ExternalCommand.Result verify = ExternalCommand.run(work, Duration.ofMinutes(1),
                "systemd-analyze", "verify", unit.toString());

        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).as("systemd-analyze verify warnings").isBlank();
    }

    @Test
    void systemdRatesTheUnitsExposureLow() throws IOException, InterruptedException {
        requireSystemdAnalyze();
        Path unit = Files.copy(UNIT, work.resolve("codehub-agent.service"));

        ExternalCommand.Result security = ExternalCommand.run(work, Duration.ofMinutes(1), "systemd-analyze", "security",
                "--offline=true", "--threshold=20", "--no-pager", unit.toString());

        assertThat(security.exitCode()).as(security.output()).isZero();
        assertThat(security.output()).contains("Overall exposure level for codehub-agent.service");
    }

    @Test
    void theUnitIsHardenedAsDocumented() throws IOException {
        Map<String, List<String>> service = section("Service");

        assertThat(service.get("DynamicUser")).containsExactly("yes");
        assertThat(service.get("SupplementaryGroups")).containsExactly("docker");
        assertThat(service.get("StateDirectory")).singleElement().asString().startsWith("codehub-agent ");
        assertThat(service.get("ProtectSystem")).containsExactly("strict");
        assertThat(service.get("ProtectHome")).containsExactly("yes");
        assertThat(service.get("PrivateTmp")).containsExactly("yes");
        assertThat(service.get("NoNewPrivileges")).containsExactly("yes");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(service.get("SystemCallFilter")).containsExactly("@system-service");
        assertThat(service.get("EnvironmentFile")).containsExactly("/etc/codehub/agent.env");
        assertThat(service.get("ExecStart")).singleElement().asString()
                .startsWith("/usr/bin/java $JAVA_OPTS ").endsWith("-jar ${CODEHUB_AGENT_JAR}");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(section("Install").get("WantedBy")).containsExactly("multi-user.target");
    }

    @Test
    void everyVariableTheUnitAndItsEnvFileSetIsOneTheAgentKnows() throws IOException {
        String operations = Files.readString(ROOT.resolve("docs/operations.md"), StandardCharsets.UTF_8);
        Set<String> set = new TreeSet<>();
        Matcher inEnvFile = VARIABLE.matcher(Files.readString(ENV, StandardCharsets.UTF_8));
        while (inEnvFile.find()) {
            set.add(inEnvFile.group(1));
        }
        for (String assignment : section("Service").get("Environment")) {
            Matcher inUnit = UNIT_VARIABLE.matcher(assignment);
            assertThat(inUnit.find()).as(assignment).isTrue();
            set.add(inUnit.group(1));
        }
        // The unit's own variables: the jar's path and the JVM options its ExecStart expands.
        set.removeAll(Set.of("CODEHUB_AGENT_JAR", "JAVA_OPTS"));

        assertThat(set).contains("CODEHUB_AGENT_ID", "CODEHUB_AGENT_API_KEY", "CODEHUB_AGENT_HUB_URL",
                "CODEHUB_AGENT_LISTEN", "CODEHUB_AGENT_ARCHIVE_DIR");
        assertThat(set).allSatisfy(name -> assertThat(operations).as(name + " in docs/operations.md").contains("`" + name + "`"));
    }

    /** The unit's section as key -> values in order (a key may repeat). */
    private static Map<String, List<String>> section(String name) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(UNIT, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("[")) {
                current = trimmed.substring(1, trimmed.length() - 1);
            } else if (name.equals(current)) {
                int equals = trimmed.indexOf('=');
                keys.computeIfAbsent(trimmed.substring(0, equals), k -> new ArrayList<>()).add(trimmed.substring(equals + 1));
            }
        }
        return keys;
    }

    private static void requireSystemdAnalyze() {
        if (!ExternalCommand.onPath("systemd-analyze")) {
            String message = "systemd-analyze is not installed (Debian package systemd)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.abort(message);
        }
    }
}
