package io.codehub.pki.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;

import io.codehub.pki.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process: exit codes and one-line errors. The real process runs in {@code PkiCliProcessIT}. */
class PkiCliTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PkiCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] command : new String[][] {{}, {"init"}, {"issue"}, {"issue", "server"}, {"issue", "agent"},
                {"sign"}, {"revoke"}, {"crl"}, {"inspect"}, {"rotate-ca"}}) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--help";
            Result result = run(args);
            assertThat(result.code()).as(String.join(" ", args)).isZero();
            assertThat(result.out()).as(String.join(" ", args)).contains("Usage:");
        }
    }

    @Test
    void issuesAndRevokesThroughTheCli() throws Exception {
        String dir = tmp.resolve("ca").toString();
        assertThat(run("init", "--dir", dir).code()).isZero();
        String prefix = tmp.resolve("agent-1").toString();
        Result issued = run("issue", "agent", "--dir", dir, "--agent-id", "agent-1", "--out", prefix);
        assertThat(issued.code()).as(issued.err()).isZero();
        Path key = Path.of(prefix + "-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        X509Certificate cert = Pem.readCertificate(Path.of(prefix + "-cert.pem"));

        String serial = cert.getSerialNumber().toString(16).replaceAll("(..)(?!$)", "$1:");
        Result revoked = run("revoke", "--dir", dir, "--serial", serial, "--reason", "key-compromise");
        assertThat(revoked.code()).as(revoked.err()).isZero();

        Result inspect = run("inspect", prefix + "-cert.pem", "--dir", dir);
        assertThat(inspect.out()).contains("agent id:    agent-1").contains("revoked:     yes");
        Result again = run("issue", "agent", "--dir", dir, "--agent-id", "agent-1", "--out", prefix);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("-cert.pem exists; remove it or choose another --out");
    }

    @Test
    void badUsageIsExitCode2WithOneLineAndAHint() {
        Result missing = run("issue", "agent", "--agent-id", "a");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required options").contains("Try 'codehub pki issue agent --help'.");

        Result badSerial = run("revoke", "--dir", tmp.toString(), "--serial", "xyz");
        assertThat(badSerial.code()).isEqualTo(2);
        assertThat(badSerial.err()).contains("'xyz' is not a hex serial");

        Result badDuration = run("issue", "agent", "--dir", tmp.toString(), "--agent-id", "a", "--out", "x",
                "--validity", "forever");
        assertThat(badDuration.code()).isEqualTo(2);
        assertThat(badDuration.err()).contains("'forever' is not a duration");

        assertThat(run("frobnicate").code()).isEqualTo(2);
    }

    @Test
    void refusedOperationsAreExitCode1WithoutAStackTrace() {
        Result notCa = run("crl", "--dir", tmp.toString());
        assertThat(notCa.code()).isEqualTo(1);
        assertThat(notCa.err().lines()).hasSize(1);
        assertThat(notCa.err()).contains("is not a CA directory").doesNotContain("\tat ");

        String dir = tmp.resolve("ca").toString();
        run("init", "--dir", dir);
        Result unknown = run("revoke", "--dir", dir, "--serial", "ABCDEF");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("serial ABCDEF: not issued by the CA");

        Result badAgent = run("issue", "agent", "--dir", dir, "--agent-id", "../x", "--out", tmp.resolve("x").toString());
        assertThat(badAgent.code()).isEqualTo(1);
        assertThat(badAgent.err()).contains("agent id: '../x'");

        Result wrongFile = run("sign", "--dir", dir, "--csr", dir + "/ca.pem", "--out", tmp.resolve("o.pem").toString());
        assertThat(wrongFile.code()).isEqualTo(1);
        assertThat(wrongFile.err()).contains("holds a CERTIFICATE, expected a CERTIFICATE REQUEST");
    }

    @Test
    void passphraseFromAFile() throws Exception {
        Path passphrase = tmp.resolve("pw");
        Files.writeString(passphrase, "long passphrase\n");
        String dir = tmp.resolve("ca").toString();
        assertThat(run("init", "--dir", dir, "--passphrase-file", passphrase.toString()).code()).isZero();
        Result noPassphrase = run("crl", "--dir", dir);
        assertThat(noPassphrase.code()).isEqualTo(1);
        assertThat(noPassphrase.err()).contains("is encrypted: give the CA passphrase");
        assertThat(run("crl", "--dir", dir, "--passphrase-file", passphrase.toString()).code()).isZero();
    }
}
