package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes {@link Pem}, the one PEM reader of codehub, with any text: each parser returns a value or
 * refuses with a {@link PkiException}, never another exception; what it returns writes back to PEM
 * that reads as the same value, and that PEM is stable (written again, it is the same text). Seeds
 * (a certificate, a chain, a CRL, keys, and broken variants) in {@code PemFuzzTestInputs/anyText/};
 * see docs/security-testing.md, Fuzzing.
 */
class PemFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void anyText(byte[] input) {
        // as Pem.readText decodes a file
        String pem = new String(input, StandardCharsets.US_ASCII);

        List<X509Certificate> certificates = orRefused(() -> Pem.parseCertificates(pem, "fuzz.pem"));
        if (certificates != null) {
            assertThat(certificates).isNotEmpty();
            String written = Pem.encode(certificates);
            assertThat(Pem.parseCertificates(written, "written.pem")).isEqualTo(certificates);
            assertThat(Pem.encode(Pem.parseCertificates(written, "written.pem"))).isEqualTo(written);
        }

        List<X509CRL> crls = orRefused(() -> Pem.parseCrls(pem, "fuzz.pem"));
        if (crls != null) {
            assertThat(crls).isNotEmpty();
            for (X509CRL crl : crls) {
                String written = Pem.encode(crl);
                assertThat(Pem.parseCrls(written, "written.pem")).containsExactly(crl);
                assertThat(Pem.encode(Pem.parseCrls(written, "written.pem").get(0))).isEqualTo(written);
            }
        }

        PublicKey publicKey = orRefused(() -> Pem.parsePublicKey(pem, "fuzz.pem"));
        if (publicKey != null) {
            String written = Pem.encode(publicKey);
            assertThat(Pem.parsePublicKey(written, "written.pem")).isEqualTo(publicKey);
            assertThat(Pem.encode(Pem.parsePublicKey(written, "written.pem"))).isEqualTo(written);
        }

        // Without a passphrase: an encrypted key's cost (its PBKDF2 rounds) is the file's to choose,
        // and key files are the operator's own, not network input. It must still be refused cleanly.
        PrivateKey privateKey = orRefused(() -> Pem.parsePrivateKey(pem, null, "fuzz.pem"));
        if (privateKey != null) {
            String written = Pem.encode(privateKey, null);
            PrivateKey again = Pem.parsePrivateKey(written, null, "written.pem");
            assertThat(again.getEncoded()).isEqualTo(privateKey.getEncoded());
            assertThat(Pem.encode(again, null)).isEqualTo(written);
        }
    }

    /** The parsed value, or null when refused with a {@link PkiException}; any other exception fails. */
    private static <T> @Nullable T orRefused(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (PkiException refused) {
            assertThat(refused.getMessage()).startsWith("fuzz.pem");
            return null;
        }
    }
}
