package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@code jcmd <pid> GC.heap_info} prints, as each collector prints it (JDK 17 and 25). */
class ProcessMemoryTest {

    @Test
    void g1sHeapIsItsUsedTotalAndMetaspaceIsNotHeap() {
        String g1 = """
                12345:
                 garbage-first heap   total 262144K, used 19853K [0x00000000f0000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 9085K, committed 9344K, reserved 1114112K
                  class space    used 1095K, committed 1216K, reserved 1048576K
                """;
        assertThat(ProcessMemory.heapUsed(g1)).isEqualTo(19_853L * 1024);
    }

    @Test
    void serialsHeapIsItsGenerationsTogether() {
        String serial = """
                12345:
                 def new generation   total 4928K, used 2179K [0x00000000f0000000, 0x00000000f0550000)
                  eden space 4416K,  49% used
                 tenured generation   total 10944K, used 5000K [0x00000000f5550000, 0x00000000f6000000)
                 Metaspace       used 9085K, committed 9344K, reserved 1114112K
                """;
        assertThat(ProcessMemory.heapUsed(serial)).isEqualTo((2_179L + 5_000L) * 1024);
    }

    @Test
    void zgcPrintsItsHeapInMegabytes() {
        String zgc17 = """
                23889:
                 ZHeap           used 60M, capacity 378M, max capacity 6028M
                 Metaspace       used 9085K, committed 9344K, reserved 1114112K
                """;
        String generational25 = """
                23840:
                ZHeap            used 42M, capacity 378M, max capacity 6028M
                 Cache           336M (1)
                  size classes   256M (1)
                """;
        assertThat(ProcessMemory.heapUsed(zgc17)).isEqualTo(60L << 20);
        assertThat(ProcessMemory.heapUsed(generational25)).isEqualTo(42L << 20);
    }

    @Test
    void anythingElseReadsMinusOne() {
        assertThat(ProcessMemory.heapUsed("12345:\nCommand executed successfully\n")).isEqualTo(-1);
    }
}
