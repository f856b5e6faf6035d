package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;

class ManagedNamesTest {

    @Test
    void namesAndLabelsOfAWorkspace() {
        WorkspaceId id = WorkspaceId.of("ws-1");
        assertThat(ManagedNames.workspace(id)).isEqualTo("codehub-ws-ws-1");
        assertThat(ManagedNames.job("j1")).isEqualTo("codehub-job-j1");
        assertThat(ManagedNames.workspaceLabels(id))
                .containsOnly(Map.entry("io.codehub.managed", "true"), Map.entry("io.codehub.workspace", "ws-1"));
        assertThat(ManagedNames.isManaged(ManagedNames.workspaceLabels(id))).isTrue();
        assertThat(ManagedNames.workspaceOf(ManagedNames.workspaceLabels(id))).isEqualTo(id);
    }

    @Test
    void onlyTheManagedLabelMakesAResourceOurs() {
        Map<String, String> labels = new HashMap<>(Map.of(ManagedNames.WORKSPACE, "ws-1"));
        assertThat(ManagedNames.isManaged(null)).isFalse();
        assertThat(ManagedNames.isManaged(labels)).isFalse();
        labels.put(ManagedNames.MANAGED, "yes");
        assertThat(ManagedNames.isManaged(labels)).isFalse();
        assertThat(ManagedNames.workspaceOf(null)).isNull();
        assertThat(ManagedNames.workspaceOf(Map.of(ManagedNames.WORKSPACE, "Not Valid"))).isNull();
    }

    @Test
    void listPrefixesAreWorkspaceIdPrefixes() {
        assertThat(ManagedNames.isWorkspacePrefix("")).isTrue();
        assertThat(ManagedNames.isWorkspacePrefix("ws-")).isTrue();
        assertThat(ManagedNames.isWorkspacePrefix(null)).isFalse();
        assertThat(ManagedNames.isWorkspacePrefix("WS")).isFalse();
        assertThat(ManagedNames.isWorkspacePrefix("a".repeat(64))).isFalse();
        assertThat(ManagedNames.invalidWorkspacePrefix("x".repeat(70)))
                .hasMessage("prefix: '" + "x".repeat(64) + "...' (expected: [a-z0-9-]{0,63})");
    }

    @Test
    void archiveKeyHasWorkspaceUtcStampAndRandomHex() {
        ArchiveKey key = ManagedNames.newArchiveKey(WorkspaceId.of("ws-1"), Instant.parse("2026-03-04T05:06:07.890Z"),
                new Random(1));
        assertThat(key.value()).matches("ws-1-20260304T050607Z-[0-9a-f]{8}\\.tar\\.gz");
        ArchiveKey other = ManagedNames.newArchiveKey(WorkspaceId.of("ws-1"), Instant.parse("2026-03-04T05:06:07Z"),
                new Random(2));
        assertThat(other).isNotEqualTo(key);
    }

    @Test
    void archiveKeyOfTheLongestWorkspaceIdIsValid() {
        String longest = "a".repeat(63);
        assertThat(ManagedNames.newArchiveKey(WorkspaceId.of(longest), Instant.EPOCH, new Random(3)).value())
                .startsWith(longest + "-19700101T000000Z-");
    }
}
