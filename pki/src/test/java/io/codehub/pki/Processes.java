package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code openssl} and {@code java -jar codehub-pki.jar} for the integration tests. */
final class Processes {

    record Result(int code, String out, String err) {
        Result ok() {
            assertThat(code).as("exit code; stdout:\n%s\nstderr:\n%s", out, err).isZero();
            return this;
        }
    }

    private Processes() {
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("codehub.pki.jar", "target/codehub-pki.jar"));
        assertThat(jar).as("the CLI jar (built by package before Failsafe runs)").exists();
        return jar;
    }

    static Result cli(Path dir, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar().toAbsolutePath().toString());
        command.addAll(List.of(args));
        return run(dir, env, command);
    }

    static Result openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        return run(dir, Map.of(), command);
    }

    static Result run(Path dir, Map<String, String> env, List<String> command) {
        try {
            Path out = Files.createTempFile(dir, "out", ".txt");
            Path err = Files.createTempFile(dir, "err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                            Path.of("/dev/null").toFile()));
            builder.environment().remove("CODEHUB_PKI_PASSPHRASE");
            builder.environment().putAll(env);
            Process process = builder.start();
            try {
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    throw new AssertionError("timed out: " + command);
                }
            } finally {
                process.destroyForcibly();
            }
            Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
