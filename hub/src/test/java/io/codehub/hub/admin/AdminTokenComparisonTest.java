package io.codehub.hub.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * The admin token is compared in constant time: {@link AdminToken#matches} hashes the presented
 * token (SHA-256, so every candidate becomes 32 bytes whatever its length or prefix) and compares
 * the hashes with {@link MessageDigest#isEqual}, never with an early-exit equality. Timing tests
 * are flaky on shared machines, so this asserts the implementation instead, from its bytecode.
 */
class AdminTokenComparisonTest {

    private static final String TOKEN = "cha_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    @Test
    void matchesHashesThenComparesWithMessageDigestIsEqualOnly() {
        JavaClass token = new ClassFileImporter().importClasses(AdminToken.class).get(AdminToken.class);
        JavaMethod matches = token.getMethod("matches", String.class);
        Set<JavaCall<?>> calls = Set.copyOf(matches.getCallsFromSelf());
        assertThat(calls).anySatisfy(call -> {
            assertThat(call.getTargetOwner().isEquivalentTo(MessageDigest.class)).isTrue();
            assertThat(call.getName()).isEqualTo("isEqual");
        });
        assertThat(calls).anySatisfy(call -> assertThat(call.getName()).isEqualTo("sha256"));
        assertThat(calls).as("no early-exit comparison of the token or its hash")
                .noneSatisfy(call -> assertThat(List.of("equals", "contentEquals", "equalsIgnoreCase", "compareTo",
                        "mismatch", "startsWith", "regionMatches")).contains(call.getName()));
        JavaMethod sha256 = token.getMethod("sha256", String.class);
        assertThat(sha256.getCallsFromSelf()).anySatisfy(call -> assertThat(call.getName()).isEqualTo("digest"));
    }

    @Test
    void wrongTokensOfTheSameLengthAreRefusedWhateverPrefixTheyShare() {
        AdminToken admin = AdminToken.of(TOKEN);
        assertThat(admin.matches(TOKEN)).isTrue();
        int refused = 0;
        for (int shared = 0; shared < TOKEN.length(); shared++) {
            char last = TOKEN.charAt(shared) == 'x' ? 'y' : 'x';
            String candidate = TOKEN.substring(0, shared) + last + TOKEN.substring(shared + 1);
            assertThat(candidate).hasSameSizeAs(TOKEN);
            assertThat(admin.matches(candidate)).as("differs at %d", shared).isFalse();
            refused++;
        }
        assertThat(admin.matches(TOKEN + "x")).isFalse();
        assertThat(admin.matches(TOKEN.substring(1))).isFalse();
        assertThat(admin.matches("")).isFalse();
        assertThat(admin.matches("x".repeat(AdminToken.MAX_LENGTH + 1))).isFalse();
        System.out.println("ATTACK admin token, same length, every shared prefix 0.." + (TOKEN.length() - 1)
                + ": " + refused + " of " + refused + " refused");
    }
}
