package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;

/** {@link Es256} against the JDK's own ECDSA, both ways, and what it refuses. */
class Es256Test {

    private static final byte[] MESSAGE = "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJhZ2VudCJ9".getBytes(StandardCharsets.US_ASCII);

    final KeyPair key = Crypto.generate(KeyType.EC_P256);
    final Es256.Signer signer = Es256.signer((ECPrivateKey) key.getPrivate());
    final Es256.Verifier verifier = Es256.verifier((ECPublicKey) key.getPublic());

    @Test
    void signaturesVerifyWithTheJdkAndTheJdksVerifyHere() throws Exception {
        byte[] ours = signer.sign(MESSAGE);
        assertThat(ours).hasSize(64);
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(key.getPublic());
        jdk.update(MESSAGE);
        assertThat(jdk.verify(der(ours))).as("the JDK accepts our signature").isTrue();

        jdk.initSign(key.getPrivate());
        jdk.update(MESSAGE);
        byte[] theirs = concat(jdk.sign());
        assertThat(verifier.verify(MESSAGE, theirs)).as("we accept the JDK's signature").isTrue();
        assertThat(verifier.verify(MESSAGE, ours)).isTrue();
    }

    @Test
    void signaturesAreDeterministicAndBoundToTheInputAndTheKey() {
        assertThat(signer.sign(MESSAGE)).isEqualTo(signer.sign(MESSAGE));
        byte[] changed = signer.sign(MESSAGE);
        changed[63] ^= 1;
        assertThat(verifier.verify(MESSAGE, changed)).isFalse();
        assertThat(verifier.verify("other".getBytes(StandardCharsets.US_ASCII), signer.sign(MESSAGE))).isFalse();
        Es256.Verifier other = Es256.verifier((ECPublicKey) Crypto.generate(KeyType.EC_P256).getPublic());
        assertThat(other.verify(MESSAGE, signer.sign(MESSAGE))).isFalse();
    }

    @Test
    void malformedSignaturesAreRefusedNotThrown() {
        byte[] good = signer.sign(MESSAGE);
        assertThat(verifier.verify(MESSAGE, Arrays.copyOf(good, 63))).isFalse();
        assertThat(verifier.verify(MESSAGE, Arrays.copyOf(good, 65))).isFalse();
        assertThat(verifier.verify(MESSAGE, new byte[64])).as("R = S = 0").isFalse();
        byte[] ones = new byte[64];
        Arrays.fill(ones, (byte) 0xff);
        assertThat(verifier.verify(MESSAGE, ones)).as("R, S >= n").isFalse();
    }

    @Test
    void keysOfAnotherCurveOrAlgorithmAreRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = generator.generateKeyPair();
        assertThatIllegalArgumentException().isThrownBy(() -> Es256.signer((ECPrivateKey) p384.getPrivate()))
                .withMessageContaining("P-256");
        assertThatIllegalArgumentException().isThrownBy(() -> Es256.verifier((ECPublicKey) p384.getPublic()))
                .withMessageContaining("P-256");
    }

    @Test
    void noProviderIsRegisteredGlobally() {
        signer.sign(MESSAGE);
        assertThat(Security.getProvider("BC")).isNull();
    }

    static byte[] der(byte[] rs) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 0, 32))));
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 32, 64))));
        return new DERSequence(v).getEncoded();
    }

    static byte[] concat(byte[] der) {
        ASN1Sequence seq = ASN1Sequence.getInstance(der);
        byte[] rs = new byte[64];
        byte[] r = ((ASN1Integer) seq.getObjectAt(0)).getValue().toByteArray();
        byte[] s = ((ASN1Integer) seq.getObjectAt(1)).getValue().toByteArray();
        System.arraycopy(r, Math.max(0, r.length - 32), rs, 32 - Math.min(32, r.length), Math.min(32, r.length));
        System.arraycopy(s, Math.max(0, s.length - 32), rs, 64 - Math.min(32, s.length), Math.min(32, s.length));
        return rs;
    }
}
