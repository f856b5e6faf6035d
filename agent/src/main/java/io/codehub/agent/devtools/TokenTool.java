package io.codehub.agent.devtools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;

/**
 * {@code bin/codehub token}: makes a local ES256 "hub" key pair and signs Agent API tokens with it,
 * so that an agent can be tried with curl before a hub exists. Tokens are what the hub issues:
 * {@code aud} = agent id, short {@code exp}.
 */
public final class TokenTool {

    private static final Duration MAX_TTL = Duration.ofDays(1);

    private TokenTool() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (UsageException e) {
            System.err.println("codehub token: " + e.getMessage());
            System.err.println("usage: token keygen --dir DIR | token sign --key FILE --aud AGENT_ID [--ttl 1h]");
            System.exit(2);
        } catch (IOException | GeneralSecurityException | JOSEException | PkiException e) {
            System.err.println("codehub token: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(String[] args) throws IOException, GeneralSecurityException, JOSEException {
        if (args.length == 0) {
            throw new UsageException("missing subcommand");
        }
        Map<String, String> options = options(args);
        switch (args[0]) {
            case "keygen" -> keygen(Path.of(require(options, "--dir")));
            case "sign" -> System.out.println(sign(Path.of(require(options, "--key")), require(options, "--aud"),
                    ttl(options.getOrDefault("--ttl", "1h"))));
            default -> throw new UsageException("unknown subcommand '" + args[0] + "'");
        }
        return 0;
    }

    static void keygen(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path privateKey = dir.resolve("hub-private.pem");
        Pem.writePrivate(privateKey, Pem.encode(pair.getPrivate(), null));
        Pem.writePublic(dir.resolve("hub-public.pem"), Pem.encode(pair.getPublic()));
        System.out.println("wrote " + privateKey + " (0600) and " + dir.resolve("hub-public.pem"));
    }

    static String sign(Path privateKeyFile, String audience, Duration ttl) throws JOSEException {
        if (!(Pem.readPrivateKey(privateKeyFile, null) instanceof ECPrivateKey key)) {
            throw new PkiException(privateKeyFile + " holds no EC private key (expected: one made by 'token keygen')");
        }
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("codehub-token-tool").audience(List.of(audience))
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl))).jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static Duration ttl(String value) {
        try {
            Duration ttl = Duration.parse("PT" + value.toUpperCase());
            if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
                throw new UsageException("--ttl " + value + " (expected: more than 0, at most 24h)");
            }
            return ttl;
        } catch (DateTimeParseException e) {
            throw new UsageException("--ttl " + value + " (expected: a duration such as 30m, 1h)");
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new UsageException("unexpected argument '" + args[i] + "'");
            }
            options.put(args[i], args[++i]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new UsageException("missing " + name);
        }
        return value;
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
