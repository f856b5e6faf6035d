package io.codehub.hub.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubKeyStoreTest {

    @TempDir
    Path dir;

    @Test
    void generatesAKeyOnceWithOwnerOnlyPermissionsAndReadsItBack() throws Exception {
        HubIdentity first = HubKeyStore.loadOrCreate(dir);
        Path file = dir.resolve(HubKeyStore.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        HubIdentity second = HubKeyStore.loadOrCreate(dir);
        assertThat(second.hubId()).isEqualTo(first.hubId());
        assertThat(second.publicKey()).isEqualTo(first.publicKey());
        assertThat(first.toString()).doesNotContain("\"d\"");
    }

    @Test
    void derivesOneSecretPerPurposeThatOutlivesARestartAndDiffersPerHub() throws Exception {
        byte[] tickets = HubKeyStore.loadOrCreate(dir).secret("tickets");
        assertThat(tickets).hasSize(32);
        assertThat(HubKeyStore.loadOrCreate(dir).secret("tickets")).as("same key, same secret").isEqualTo(tickets);
        assertThat(HubKeyStore.loadOrCreate(dir).secret("sessions")).as("another purpose").isNotEqualTo(tickets);
        assertThat(HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("other"))).secret("tickets"))
                .as("another hub").isNotEqualTo(tickets);
    }

    @Test
    void publishesThePublicKeyAsPemAndJwksWithoutThePrivatePart() throws Exception {
        HubIdentity identity = HubKeyStore.loadOrCreate(dir);
        String pem = identity.publicKeyPem();
        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        assertThat(key).isEqualTo(identity.publicKey());

        Map<String, Object> jwks = identity.publicJwks();
        @SuppressWarnings("unchecked")
        Map<String, Object> jwk = ((List<Map<String, Object>>) jwks.get("keys")).get(0);
        assertThat(jwk).containsEntry("kty", "EC").containsEntry("crv", "P-256").containsEntry("alg", "ES256")
                .containsEntry("kid", identity.hubId()).doesNotContainKey("d");
    }

    @Test
    void aCorruptKeyFileIsReportedNotReplaced() throws Exception {
        Path file = dir.resolve(HubKeyStore.FILE_NAME);
        Files.writeString(file, "{\"kty\":\"oops\"}");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> HubKeyStore.loadOrCreate(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
        assertThat(Files.readString(file)).isEqualTo("{\"kty\":\"oops\"}");
    }
}
