package io.codehub.hub.agents;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * Agent API keys: {@code chk_<agent id>_<secret>}. The prefix lets secret scanners spot a leaked
 * key, the id finds the agent's row, and only a bcrypt hash of the secret (256 random bits) is
 * stored. bcrypt costs tens of milliseconds on purpose: callers run {@link #issue} and
 * {@link #matches} off the event loop.
 */
public final class ApiKeys {

    /** The prefix of every agent API key. */
    public static final String PREFIX = "chk_";

    private static final Pattern KEY = Pattern.compile("chk_([A-Za-z0-9][A-Za-z0-9.-]{0,127})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BCryptPasswordEncoder encoder;

    public ApiKeys(int bcryptCost) {
        this.encoder = new BCryptPasswordEncoder(bcryptCost, RANDOM);
    }

    /** A key that has just been made, and the hash to store. */
    public record Issued(String key, String hash) {
        @Override
        public String toString() {
            return "Issued[key=***, hash=***]";
        }
    }

    /** A key as presented by an agent, split into the agent id and the secret. */
    public record Presented(String agentId, String secret) {
        @Override
        public String toString() {
            return "Presented[agentId=" + agentId + ", secret=***]";
        }
    }

    /** A new key for {@code agentId}; blocking (bcrypt). */
    public Issued issue(String agentId) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(PREFIX + agentId + "_" + encoded, encoder.encode(encoded));
    }

    /** Whether {@code secret} is the one {@code hash} was made from; blocking (bcrypt). */
    public boolean matches(String secret, String hash) {
        return encoder.matches(secret, hash);
    }

    /** Splits {@code key}, or empty when it does not have the shape of an agent API key. */
    public static Optional<Presented> parse(String key) {
        Matcher matcher = KEY.matcher(key);
        return matcher.matches() ? Optional.of(new Presented(matcher.group(1), matcher.group(2))) : Optional.empty();
    }
}
