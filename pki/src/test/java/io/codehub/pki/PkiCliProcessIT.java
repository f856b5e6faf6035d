package io.codehub.pki;

import static io.codehub.pki.Processes.cli;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI jar run as a process, as {@code bin/codehub pki} runs it. */
class PkiCliProcessIT {

    @TempDir
    Path tmp;

    @Test
    void helpListsTheCommands() {
        var help = cli(tmp, Map.of(), "--help").ok();
        assertThat(help.out()).contains("init", "issue", "sign", "revoke", "crl", "inspect", "rotate-ca");
        assertThat(cli(tmp, Map.of(), "revoke", "--help").ok().out()).contains("--serial", "--agent-id", "--reason");
    }

    @Test
    void badInputGivesOneLineAndANonZeroExitCode() {
        var usage = cli(tmp, Map.of(), "issue", "agent", "--dir", "ca");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("Missing required options").doesNotContain("Exception");

        var refused = cli(tmp, Map.of(), "issue", "agent", "--dir", "nowhere", "--agent-id", "a", "--out", "a");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err().strip().lines()).singleElement().asString().contains("is not a CA directory");

        var noCommand = cli(tmp, Map.of());
        assertThat(noCommand.code()).isEqualTo(2);
    }

    @Test
    void inspectDescribesACertificateAndItsRevocation() {
        cli(tmp, Map.of(), "init", "--dir", "ca").ok();
        cli(tmp, Map.of(), "issue", "agent", "--dir", "ca", "--agent-id", "agent-1", "--out", "a").ok();
        cli(tmp, Map.of(), "revoke", "--dir", "ca", "--agent-id", "agent-1").ok();
        var inspect = cli(tmp, Map.of(), "inspect", "a-cert.pem", "--dir", "ca").ok();
        assertThat(inspect.out()).contains("subject:     CN=agent-1", "agent id:    agent-1", "revoked:     yes",
                "SAN:         URI:spiffe://codehub/agent/agent-1");
        assertThat(cli(tmp, Map.of(), "inspect", "ca/crl.pem").ok().out()).contains("X509 CRL", "revoked:     1");
    }
}
