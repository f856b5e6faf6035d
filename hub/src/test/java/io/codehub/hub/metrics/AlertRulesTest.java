package io.codehub.hub.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code deploy/prometheus/codehub-rules.yml} is valid ({@code promtool check rules}) and each
 * alert fires on the series that should fire it and stays quiet on a healthy fleet
 * ({@code promtool test rules codehub-rules.test.yml}). promtool comes with Debian's
 * {@code prometheus} package, which {@code .ci/prepare-env} installs; without it this test fails.
 * That the rules name only metrics the hub exports is checked against a real scrape by {@link MetricsIT}.
 */
@Timeout(120)
class AlertRulesTest {

    static final Path RULES_DIR = Path.of("..", "deploy", "prometheus");
    static final Path RULES = RULES_DIR.resolve("codehub-rules.yml");

    @Test
    void theRulesAreValid() throws Exception {
        assertThat(promtool(List.of("check", "rules", RULES.getFileName().toString()))).contains("SUCCESS");
    }

    @Test
    void eachAlertFiresWhenItShouldAndOnlyThen() throws Exception {
        assertThat(promtool(List.of("test", "rules", "codehub-rules.test.yml"))).contains("SUCCESS");
    }

    private static String promtool(List<String> arguments) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        assertThat(Files.isExecutable(promtool))
                .as("promtool is missing: install Debian's prometheus package (.ci/prepare-env does)").isTrue();
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).directory(RULES_DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("promtool " + arguments + ":\n" + output).isZero();
        return output;
    }
}
