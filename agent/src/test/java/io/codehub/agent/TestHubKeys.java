package io.codehub.agent;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.pki.Pem;

/** A hub key pair made in the test, and tokens signed with it, as the hub will sign them. */
public final class TestHubKeys {

    private final KeyPair pair;

    private TestHubKeys(KeyPair pair) {
        this.pair = pair;
    }

    public static TestHubKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return new TestHubKeys(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public ECPublicKey publicKey() {
        return (ECPublicKey) pair.getPublic();
    }

    public String publicKeyPem() {
        return Pem.encode(pair.getPublic());
    }

    /** Writes the public key as PEM into {@code dir} and returns the file. */
    public Path writePublicKey(Path dir) {
        Path file = dir.resolve("hub-public.pem");
        Pem.writePublic(file, publicKeyPem());
        return file;
    }

    /** A token for {@code audience} valid until {@code expiry}. */
    public String token(String audience, Instant expiry) {
        return sign(new JWTClaimsSet.Builder().issuer("test-hub").audience(List.of(audience))
                .issueTime(new Date()).expirationTime(Date.from(expiry)).build());
    }

    /** A token with arbitrary claims (signed by the JDK's ECDSA, not the hub's own signer). */
    public String sign(JWTClaimsSet claims) {
        return sign(new JWSHeader(JWSAlgorithm.ES256), claims);
    }

    /** A token with an arbitrary header and claims. */
    public String sign(JWSHeader header, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new ECDSASigner((ECPrivateKey) pair.getPrivate()));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
