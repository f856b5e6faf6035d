package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Security;
import java.security.Signature;

import org.junit.jupiter.api.Test;

class SignatureProvidersTest {

    private static final byte[] MESSAGE = "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJhZ2VudCJ9".getBytes(StandardCharsets.US_ASCII);

    @Test
    void signaturesOfEitherProviderVerifyWithTheOtherOnJdkKeys() throws Exception {
        KeyPair key = Crypto.generate(KeyType.EC_P256);

        Signature fast = Signature.getInstance("SHA256withECDSA", SignatureProviders.ecdsa());
        fast.initSign(key.getPrivate());
        fast.update(MESSAGE);
        byte[] byFast = fast.sign();
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(key.getPublic());
        jdk.update(MESSAGE);
        assertThat(jdk.verify(byFast)).as("the JDK accepts BouncyCastle's signature").isTrue();

        jdk.initSign(key.getPrivate());
        jdk.update(MESSAGE);
        byte[] byJdk = jdk.sign();
        fast.initVerify(key.getPublic());
        fast.update(MESSAGE);
        assertThat(fast.verify(byJdk)).as("BouncyCastle accepts the JDK's signature").isTrue();

        byJdk[byJdk.length - 1] ^= 1;
        fast.initVerify(key.getPublic());
        fast.update(MESSAGE);
        assertThat(fast.verify(byJdk)).as("a changed signature is refused").isFalse();
    }

    @Test
    void theProviderIsNeverRegisteredGlobally() {
        assertThat(SignatureProviders.ecdsa().getName()).isEqualTo("BC");
        assertThat(Security.getProvider("BC")).isNull();
    }
}
