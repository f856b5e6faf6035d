package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.netty.util.Version;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md pins Netty 4.2.16.Final or later for the HTTP/2 DoS fixes (rapid reset, CONTINUATION
 * flood, MadeYouReset, unbounded MAX_CONCURRENT_STREAMS); Spring Boot's managed version may be
 * older, so the build must not silently fall back to it.
 */
class NettyVersionTest {

    @Test
    void http2CodecIsAtLeast4216() {
        Map<String, Version> versions = Version.identify();
        for (String artifact : new String[] {"netty-codec-http2", "netty-codec-http", "netty-handler", "netty-common"}) {
            Version version = versions.get(artifact);
            assertThat(version).as(artifact).isNotNull();
            assertThat(atLeast(version.artifactVersion(), 4, 2, 16))
                    .as(artifact + " " + version.artifactVersion() + " >= 4.2.16.Final").isTrue();
        }
    }

    static boolean atLeast(String version, int major, int minor, int patch) {
        String[] parts = version.split("[.-]");
        int[] have = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
        int[] want = {major, minor, patch};
        for (int i = 0; i < 3; i++) {
            if (have[i] != want[i]) {
                return have[i] > want[i];
            }
        }
        return true;
    }

    @Test
    void versionComparison() {
        assertThat(atLeast("4.2.18.Final", 4, 2, 16)).isTrue();
        assertThat(atLeast("4.2.15.Final", 4, 2, 16)).isFalse();
        assertThat(atLeast("4.3.0.Final", 4, 2, 16)).isTrue();
        assertThat(atLeast("4.1.130.Final", 4, 2, 16)).isFalse();
    }
}
