package io.codehub.pki;

import static io.codehub.pki.Processes.cli;
import static io.codehub.pki.Processes.openssl;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.Signature;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI writes, checked by the real OpenSSL (3.x) binary. */
class OpensslInteropIT {

    @TempDir
    Path tmp;

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void opensslVerifiesServerAndAgentCertificatesAndHonoursTheCrl() throws Exception {
        cli(tmp, NO_ENV, "init", "--dir", "ca").ok();
        cli(tmp, NO_ENV, "issue", "server", "--dir", "ca", "--dns", "hub.example.com", "localhost", "--ip", "127.0.0.1",
                "--out", "hub").ok();
        cli(tmp, NO_ENV, "issue", "agent", "--dir", "ca", "--agent-id", "agent-1", "--out", "agent-1").ok();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("agent-1-key.pem"))))
                .isEqualTo("rw-------");

        assertThat(openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "hub-cert.pem").ok().out()).contains("hub-cert.pem: OK");
        assertThat(openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "-purpose", "sslclient", "agent-1-cert.pem").ok().out())
                .contains("agent-1-cert.pem: OK");
        assertThat(openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "-purpose", "sslserver", "hub-cert.pem").code())
                .isZero();
        String agentText = openssl(tmp, "x509", "-in", "agent-1-cert.pem", "-noout", "-text").ok().out();
        assertThat(agentText).contains("URI:spiffe://codehub/agent/agent-1").contains("TLS Web Client Authentication")
                .contains("CA:FALSE").contains("Digital Signature");
        String hubText = openssl(tmp, "x509", "-in", "hub-cert.pem", "-noout", "-text").ok().out();
        assertThat(hubText).contains("DNS:hub.example.com, DNS:localhost, IP Address:127.0.0.1")
                .contains("TLS Web Server Authentication");
        // the key matches the certificate
        assertThat(openssl(tmp, "x509", "-in", "agent-1-cert.pem", "-noout", "-pubkey").ok().out())
                .isEqualTo(openssl(tmp, "pkey", "-in", "agent-1-key.pem", "-pubout").ok().out());

        String serial = openssl(tmp, "x509", "-in", "agent-1-cert.pem", "-noout", "-serial").ok().out().trim()
                .substring("serial=".length());
        cli(tmp, NO_ENV, "revoke", "--dir", "ca", "--serial", serial, "--reason", "key-compromise").ok();

        String crl = openssl(tmp, "crl", "-in", "ca/crl.pem", "-noout", "-text").ok().out();
        assertThat(crl).contains("Serial Number: " + serial.toUpperCase(Locale.ROOT)).contains("Key Compromise")
                .contains("Next Update");
        assertThat(openssl(tmp, "crl", "-in", "ca/crl.pem", "-noout", "-CAfile", "ca/ca.pem").ok().err())
                .contains("verify OK");
        var revoked = openssl(tmp, "verify", "-crl_check", "-CRLfile", "ca/crl.pem", "-CAfile", "ca/ca.pem",
                "agent-1-cert.pem");
        assertThat(revoked.code()).isNotZero();
        assertThat(revoked.out() + revoked.err()).contains("certificate revoked");
        openssl(tmp, "verify", "-crl_check", "-CRLfile", "ca/crl.pem", "-CAfile", "ca/ca.pem", "hub-cert.pem").ok();
    }

    @Test
    void aCsrMadeByOpensslIsSignedAndOneForAnotherAgentRefused() {
        cli(tmp, NO_ENV, "init", "--dir", "ca", "--key-type", "rsa").ok();
        openssl(tmp, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "agent-1-key.pem", "-subj", "/CN=agent-1",
                "-addext", "subjectAltName=URI:spiffe://codehub/agent/agent-1", "-out", "agent-1.csr").ok();

        var refused = cli(tmp, NO_ENV, "sign", "--dir", "ca", "--csr", "agent-1.csr", "--agent-id", "agent-2",
                "--out", "wrong.pem");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("CSR names agent 'agent-1', expected 'agent-2'");
        assertThat(tmp.resolve("wrong.pem")).doesNotExist();

        cli(tmp, NO_ENV, "sign", "--dir", "ca", "--csr", "agent-1.csr", "--agent-id", "agent-1", "--out",
                "agent-1-cert.pem").ok();
        openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "agent-1-cert.pem").ok();
        assertThat(openssl(tmp, "x509", "-in", "agent-1-cert.pem", "-noout", "-text").ok().out())
                .contains("URI:spiffe://codehub/agent/agent-1").contains("sha256WithRSAEncryption");

        // and a DER CSR without SAN, CN only
        openssl(tmp, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "agent-2-key.pem", "-subj", "/CN=agent-2", "-outform", "DER", "-out", "agent-2.der").ok();
        cli(tmp, NO_ENV, "sign", "--dir", "ca", "--csr", "agent-2.der", "--out", "agent-2-cert.pem").ok();
        assertThat(openssl(tmp, "x509", "-in", "agent-2-cert.pem", "-noout", "-ext", "subjectAltName").ok().out())
                .contains("URI:spiffe://codehub/agent/agent-2");
    }

    @Test
    void opensslAcceptsTheAgentSideCsrAndTheEncryptedCaKey() throws Exception {
        Files.writeString(tmp.resolve("csr.pem"), Csrs.csr("agent-9", Csrs.generateKeyPair()));
        assertThat(openssl(tmp, "req", "-in", "csr.pem", "-noout", "-verify", "-text").ok().out()
                + openssl(tmp, "req", "-in", "csr.pem", "-noout", "-verify").err())
                .contains("URI:spiffe://codehub/agent/agent-9").contains("verify OK");

        Files.writeString(tmp.resolve("pw"), "a long passphrase\n");
        cli(tmp, Map.of("CODEHUB_PKI_PASSPHRASE", "a long passphrase"), "init", "--dir", "ca").ok();
        openssl(tmp, "pkey", "-in", "ca/generations/1/ca-key.pem", "-passin", "file:pw", "-noout").ok();
        assertThat(openssl(tmp, "pkey", "-in", "ca/generations/1/ca-key.pem", "-passin", "pass:wrong", "-noout").code())
                .isNotZero();
    }

    @Test
    void opensslAndPemAgreeOnPublicAndPrivateKeys() throws Exception {
        // what the hub publishes as publicKeyPem and the agent reads, both ways
        KeyPair keys = Csrs.generateKeyPair();
        Pem.writePrivate(tmp.resolve("key.pem"), Pem.encode(keys.getPrivate(), null));
        Pem.writePublic(tmp.resolve("public.pem"), Pem.encode(keys.getPublic()));
        assertThat(openssl(tmp, "pkey", "-in", "key.pem", "-pubout").ok().out())
                .isEqualTo(Files.readString(tmp.resolve("public.pem")));
        openssl(tmp, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "openssl-key.pem").ok();
        openssl(tmp, "pkey", "-in", "openssl-key.pem", "-pubout", "-out", "openssl-public.pem").ok();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(Pem.readPrivateKey(tmp.resolve("openssl-key.pem"), null));
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(Pem.readPublicKey(tmp.resolve("openssl-public.pem")));
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).as("OpenSSL's key pair, read by Pem, belongs together").isTrue();
    }

    @Test
    void afterRotationOpensslTrustingOnlyTheOldRootVerifiesNewCertificates() throws Exception {
        cli(tmp, NO_ENV, "init", "--dir", "ca").ok();
        cli(tmp, NO_ENV, "issue", "agent", "--dir", "ca", "--agent-id", "old", "--out", "old").ok();
        Files.copy(tmp.resolve("ca/ca.pem"), tmp.resolve("old-root.pem"));
        cli(tmp, NO_ENV, "rotate-ca", "--dir", "ca").ok();
        cli(tmp, NO_ENV, "issue", "agent", "--dir", "ca", "--agent-id", "new", "--out", "new").ok();

        List<java.security.cert.X509Certificate> chain = Pem.readCertificates(tmp.resolve("new-cert.pem"));
        assertThat(chain).hasSize(2);
        Pem.writePublic(tmp.resolve("leaf.pem"), Pem.encode(chain.get(0)));
        Pem.writePublic(tmp.resolve("intermediates.pem"), Pem.encode(chain.subList(1, 2)));

        openssl(tmp, "verify", "-CAfile", "old-root.pem", "-untrusted", "intermediates.pem", "leaf.pem").ok();
        openssl(tmp, "verify", "-crl_check_all", "-CRLfile", "ca/crl.pem", "-CAfile", "old-root.pem",
                "-untrusted", "intermediates.pem", "leaf.pem").ok();
        openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "leaf.pem").ok();
        openssl(tmp, "verify", "-CAfile", "ca/ca.pem", "old-cert.pem").ok();
        openssl(tmp, "verify", "-crl_check", "-CRLfile", "ca/crl.pem", "-CAfile", "ca/ca.pem", "old-cert.pem").ok();
        assertThat(openssl(tmp, "verify", "-CAfile", "old-root.pem", "leaf.pem").code())
                .as("without the cross certificate the old root cannot reach the new CA").isNotZero();
    }
}
