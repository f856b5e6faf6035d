package io.codehub.agent.devtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;

import io.codehub.agent.auth.HubPublicKey;
import io.codehub.agent.auth.HubTokenVerifier;
import io.codehub.agent.auth.TokenRejectedException;
import io.codehub.pki.PkiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenToolTest {

    @TempDir
    Path dir;

    @Test
    void keygenWritesAPairThatTheAgentVerifiesTokensWith() throws Exception {
        TokenTool.keygen(dir);
        Path privateKey = dir.resolve("hub-private.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey))).isEqualTo("rw-------");
        assertThat(Files.readString(privateKey)).startsWith("-----BEGIN PRIVATE KEY-----\n");

        // the agent reads hub-public.pem exactly as CODEHUB_AGENT_HUB_PUBLIC_KEY
        HubTokenVerifier verifier = new HubTokenVerifier(HubPublicKey.read(dir.resolve("hub-public.pem")), "agent-a",
                Duration.ZERO, 8192, 0, Clock.systemUTC());
        assertThatCode(() -> verifier.verify(TokenTool.sign(privateKey, "agent-a", Duration.ofMinutes(5))))
                .doesNotThrowAnyException();
        String forAnother = TokenTool.sign(privateKey, "agent-b", Duration.ofMinutes(5));
        assertThatThrownBy(() -> verifier.verify(forAnother)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void signRefusesAFileWithoutAPrivateKey() throws Exception {
        TokenTool.keygen(dir);
        Path publicKey = dir.resolve("hub-public.pem");
        assertThatThrownBy(() -> TokenTool.sign(publicKey, "agent-a", Duration.ofMinutes(5)))
                .isInstanceOf(PkiException.class)
                .hasMessage(publicKey + " holds a PUBLIC KEY, expected a PRIVATE KEY");
    }
}
