package io.codehub.hub.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path dir;

    @Test
    void aConfiguredTokenIsUsedAndNothingIsStored() throws Exception {
        AdminToken token = AdminToken.resolve("a-configured-admin-token", dir, t -> {
            throw new AssertionError("nothing is generated");
        });
        assertThat(token.matches("a-configured-admin-token")).isTrue();
        assertThat(token.matches("a-configured-admin-tokeN")).isFalse();
        assertThat(dir.resolve(AdminToken.HASH_FILE)).doesNotExist();
    }

    @Test
    void aShortConfiguredTokenIsRefused() {
        assertThatThrownBy(() -> AdminToken.resolve("short", dir, t -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: 16..512");
    }

    @Test
    void aGeneratedTokenIsAnnouncedOnceAndOnlyItsHashIsKept() throws Exception {
        List<String> announced = new ArrayList<>();
        AdminToken first = AdminToken.resolve(null, dir, announced::add);
        assertThat(announced).hasSize(1);
        String token = announced.get(0);
        assertThat(token).startsWith("cha_").hasSize(47);
        assertThat(first.matches(token)).isTrue();

        Path file = dir.resolve(AdminToken.HASH_FILE);
        assertThat(Files.readString(file)).doesNotContain(token).matches("[0-9a-f]{64}\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        AdminToken again = AdminToken.resolve(null, dir, announced::add);
        assertThat(announced).hasSize(1);
        assertThat(again.matches(token)).isTrue();
        assertThat(again.matches(token + "x")).isFalse();
    }
}
