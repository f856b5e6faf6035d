package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NettyDefaults} in a JVM of its own (Netty reads the property once, when its classes load,
 * and this test JVM loaded them long ago): the allocator's JFR events are off after
 * {@code apply()}, on without it (so a Netty that renamed the property fails here), and an
 * operator's {@code -D} wins.
 */
@Timeout(60)
class NettyDefaultsTest {

    @Test
    void turnsNettysJfrEventsOffBeforeNettyLoads() throws Exception {
        assertThat(jfrEnabledIn("apply")).isEqualTo("false");
    }

    @Test
    void withoutItNettyRegistersItsJfrEvents() throws Exception {
        assertThat(jfrEnabledIn("none")).as("the JVM has JFR, so Netty's default is on").isEqualTo("true");
    }

    @Test
    void anOperatorsSettingWins() throws Exception {
        assertThat(jfrEnabledIn("apply", "-D" + NettyDefaults.JFR_ENABLED + "=true")).isEqualTo("true");
    }

    /** Runs {@link Child} in a new JVM with this test's class path; its one line of output. */
    private static String jfrEnabledIn(String mode, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), mode));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertThat(process.waitFor(45, TimeUnit.SECONDS)).as("the child JVM exited").isTrue();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.exitValue()).as(output).isZero();
            return output.lines().reduce((first, last) -> last).orElse("");
        } finally {
            process.destroyForcibly();
        }
    }

    /** The child: {@code apply} or not, then what Netty decided. */
    static final class Child {

        private Child() {
        }

        public static void main(String[] args) {
            if ("apply".equals(args[0])) {
                NettyDefaults.apply();
            }
            System.out.println(PlatformDependent.isJfrEnabled());
        }
    }
}
