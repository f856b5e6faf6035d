package io.codehub.agent.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

import io.codehub.agent.TestHubKeys;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubPublicKeyTest {

    @TempDir
    Path dir;

    @Test
    void readsTheHubKeyAsTheHubPublishesIt() {
        TestHubKeys hub = TestHubKeys.generate();
        assertThat(HubPublicKey.read(hub.writePublicKey(dir))).isEqualTo(hub.publicKey());
    }

    @Test
    void refusesAKeyThatCannotVerifyEs256() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        Path p384 = write("p384.pem", Pem.encode(ec.generateKeyPair().getPublic()));
        assertThatThrownBy(() -> HubPublicKey.read(p384))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(p384 + ": EC key on a 384-bit curve (expected: P-256 for ES256)");

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        Path rsaFile = write("rsa.pem", Pem.encode(rsa.generateKeyPair().getPublic()));
        assertThatThrownBy(() -> HubPublicKey.read(rsaFile))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(rsaFile + ": RSA key (expected: EC P-256 for ES256)");
    }

    @Test
    void aFileWithoutAPublicKeyFailsAsPemSaysIt() throws Exception {
        // the PEM errors themselves are PemTest's; the agent's start-up report catches PkiException
        Path jwks = write("jwks.json", "{\"keys\":[]}");
        assertThatThrownBy(() -> HubPublicKey.read(jwks))
                .isInstanceOf(PkiException.class)
                .hasMessage(jwks + " holds no PEM data, expected a PUBLIC KEY");
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
