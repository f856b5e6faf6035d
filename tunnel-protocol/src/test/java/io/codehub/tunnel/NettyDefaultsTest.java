package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NettyDefaults} in a JVM of its own (Netty reads the properties once, when its classes load,
 * and this test JVM loaded them long ago): the allocator's JFR events are off and its low-memory
 * mode is off at a 256 MiB heap after {@code apply()}, both on without it (so a Netty that renamed
 * a property fails here), and an operator's {@code -D} wins.
 */
@Timeout(60)
class NettyDefaultsTest {

    @Test
    void turnsNettysJfrEventsAndLowMemoryModeOffBeforeNettyLoads() throws Exception {
        assertThat(nettysChoicesIn("apply")).isEqualTo("jfr=false lowMemory=false");
    }

    @Test
    void withoutItNettyRegistersItsJfrEventsAndPoolsLittleAtASmallHeap() throws Exception {
        assertThat(nettysChoicesIn("none")).as("the JVM has JFR and a 256 MiB heap, so Netty's defaults are on")
                .isEqualTo("jfr=true lowMemory=true");
    }

    @Test
    void anOperatorsSettingsWin() throws Exception {
        assertThat(nettysChoicesIn("apply", "-D" + NettyDefaults.JFR_ENABLED + "=true",
                "-D" + NettyDefaults.ALLOCATOR_LOW_MEMORY + "=true")).isEqualTo("jfr=true lowMemory=true");
    }

    /** A pooled 64 KiB buffer is one an event loop's bulk read takes without a zeroed allocation of its own. */
    @Test
    void aBulkReadsBufferIsPooledAtASmallHeap() throws Exception {
        assertThat(nettysChoicesIn("apply", "-D" + Child.ALLOCATE + "=true")).endsWith(" pooled=true");
        assertThat(nettysChoicesIn("none", "-D" + Child.ALLOCATE + "=true")).endsWith(" pooled=false");
    }

    /** Runs {@link Child} in a new JVM (256 MiB heap) with this test's class path; its last line of output. */
    private static String nettysChoicesIn(String mode, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
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

        /** With this property set, the child also says whether a 64 KiB buffer came from a pooled chunk. */
        static final String ALLOCATE = "codehub.test.allocate";

        private Child() {
        }

        public static void main(String[] args) throws ReflectiveOperationException {
            if ("apply".equals(args[0])) {
                NettyDefaults.apply();
            }
            Field lowMemory = Class.forName("io.netty.buffer.AdaptivePoolingAllocator").getDeclaredField("IS_LOW_MEM");
            lowMemory.setAccessible(true);
            String line = "jfr=" + PlatformDependent.isJfrEnabled() + " lowMemory=" + lowMemory.getBoolean(null);
            if (Boolean.getBoolean(ALLOCATE)) {
                line += " pooled=" + pooled(new AdaptiveByteBufAllocator());
            }
            System.out.println(line);
        }

        /**
         * Whether two 64 KiB buffers held at once lie in one chunk: a pooled chunk holds 8 of them
         * side by side; a buffer of its own is a separate allocation.
         */
        private static boolean pooled(ByteBufAllocator allocator) {
            ByteBuf first = allocator.directBuffer(64 * 1024);
            ByteBuf second = allocator.directBuffer(64 * 1024);
            try {
                return Math.abs(second.memoryAddress() - first.memoryAddress()) == 64 * 1024;
            } finally {
                first.release();
                second.release();
            }
        }
    }
}
