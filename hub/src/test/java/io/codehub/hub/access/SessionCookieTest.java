package io.codehub.hub.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SessionCookieTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final String TOKEN = "chs1.AAAAAQAAAZx_abc-DEF_0.QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo-_0123456";

    final SessionCookie cookie = new SessionCookie(Clock.fixed(NOW, ZoneOffset.UTC));

    // ---- name and Set-Cookie -------------------------------------------------------------------

    @Test
    void theNameSaysWhetherTheBrowserUsesHttps() {
        assertThat(cookie.name(true)).isEqualTo("__Host-codehub_session");
        assertThat(cookie.name(false)).isEqualTo("codehub_session");
    }

    @Test
    void setCookieIsHostOnlyHttpOnlyLaxAndSecureOverHttps() {
        String secure = cookie.setCookie(TOKEN, NOW.plus(Duration.ofHours(8)), true);
        assertThat(secure).isEqualTo("__Host-codehub_session=" + TOKEN
                + "; Max-Age=28800; Path=/; HttpOnly; SameSite=Lax; Secure");
        String plain = cookie.setCookie(TOKEN, NOW.plusSeconds(90).plusMillis(999), false);
        assertThat(plain).isEqualTo("codehub_session=" + TOKEN + "; Max-Age=90; Path=/; HttpOnly; SameSite=Lax");
        for (String value : List.of(secure, plain)) {
            assertThat(attributes(value)).noneMatch(a -> a.toLowerCase().startsWith("domain"))
                    .noneMatch(a -> a.toLowerCase().startsWith("expires"));
        }
        assertThat(attributes(plain)).doesNotContain("Secure");
    }

    @Test
    void anExpiredSessionGivesMaxAgeZero() {
        assertThat(cookie.setCookie(TOKEN, NOW.minusSeconds(5), true)).contains("; Max-Age=0;");
        assertThat(cookie.setCookie(TOKEN, NOW, false)).contains("; Max-Age=0;");
        assertThat(cookie.clearCookie(true)).isEqualTo("__Host-codehub_session=; Max-Age=0; Path=/; HttpOnly; "
                + "SameSite=Lax; Secure");
        assertThat(cookie.clearCookie(false)).startsWith("codehub_session=; Max-Age=0; Path=/;");
    }

    @Test
    void setCookieRefusesValuesThatWouldBreakTheHeader() {
        for (String bad : List.of("", "a;b", "a b", "a\r\nSet-Cookie: x=y", "a,b", "\"a\"", "a\\b", "caf\u00e9")) {
            assertThatThrownBy(() -> cookie.setCookie(bad, NOW.plusSeconds(60), true)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
        }
    }

    // ---- find ----------------------------------------------------------------------------------

    @Test
    void findsTheValueAmongOtherCookies() {
        assertThat(cookie.find("codehub_session=" + TOKEN, false)).isEqualTo(TOKEN);
        assertThat(cookie.find("a=1; codehub_session=" + TOKEN + "; b=2", false)).isEqualTo(TOKEN);
        assertThat(cookie.find("a=1;codehub_session=" + TOKEN + ";b=2", false)).isEqualTo(TOKEN);
        assertThat(cookie.find("  a=1 ;\tcodehub_session = " + TOKEN + " \t; b=2", false)).isEqualTo(TOKEN);
        assertThat(cookie.find("__Host-codehub_session=" + TOKEN + "; x=y", true)).isEqualTo(TOKEN);
        assertThat(cookie.find("x=y; __Host-codehub_session=" + TOKEN, true)).isEqualTo(TOKEN);
    }

    @Test
    void aQuotedValueComesWithoutItsQuotes() {
        assertThat(cookie.find("a=\"x\"; codehub_session=\"" + TOKEN + "\"", false)).isEqualTo(TOKEN);
        assertThat(cookie.find("codehub_session=\"\"", false)).isEmpty();
        assertThat(cookie.find("codehub_session=\"", false)).isEqualTo("\"");
        assertThat(cookie.find("codehub_session=", false)).isEmpty();
    }

    @Test
    void onlyTheExactNameOfTheRightSchemeMatches() {
        assertThat(cookie.find("codehub_session=" + TOKEN, true)).as("plain name over https").isNull();
        assertThat(cookie.find("__Host-codehub_session=" + TOKEN, false)).as("secure name over http").isNull();
        assertThat(cookie.find("Codehub_Session=x; codehub_sessionx=y; xcodehub_session=z; codehub_session", false))
                .isNull();
        assertThat(cookie.find("a=codehub_session=x", false)).as("the name inside another cookie's value").isNull();
        assertThat(cookie.find("__host-codehub_session=x", true)).isNull();
        assertThat(cookie.find("", false)).isNull();
        assertThat(cookie.find(";;; ;", false)).isNull();
        assertThat(cookie.find(null, false)).isNull();
    }

    @Test
    void ofDuplicatesFindTakesTheFirstAndFindAllEveryOne() {
        String header = "codehub_session=first; other=1; codehub_session=\"second\";codehub_session=third";
        assertThat(cookie.find(header, false)).isEqualTo("first");
        assertThat(cookie.findAll(header, false)).containsExactly("first", "second", "third");
        assertThat(cookie.findAll("a=1", false)).isEmpty();
        assertThat(cookie.findAll(null, true)).isEmpty();
    }

    @Test
    void valuesMayHoldEqualsSigns() {
        assertThat(cookie.find("codehub_session=a=b==", false)).isEqualTo("a=b==");
    }

    // ---- strip ---------------------------------------------------------------------------------

    @Test
    void stripRemovesOurCookieAndKeepsTheRest() {
        assertThat(cookie.strip("a=1; codehub_session=" + TOKEN + "; b=2", false)).isEqualTo("a=1; b=2");
        assertThat(cookie.strip("codehub_session=" + TOKEN + "; b=2", false)).isEqualTo("b=2");
        assertThat(cookie.strip("a=1;codehub_session=" + TOKEN, false)).isEqualTo("a=1");
        assertThat(cookie.strip("__Host-codehub_session=" + TOKEN + ";  theme=\"dark mode\"", true))
                .isEqualTo("theme=\"dark mode\"");
    }

    @Test
    void stripRemovesEveryCopyUnderEitherName() {
        String header = "codehub_session=1; a=x=y; __Host-codehub_session=2;\tcodehub_session=\"3\" ; b=; c";
        assertThat(cookie.strip(header, true)).isEqualTo("a=x=y; b=; c");
        assertThat(cookie.strip(header, false)).isEqualTo("a=x=y; b=; c");
    }

    @Test
    void stripGivesNullWhenNothingRemains() {
        assertThat(cookie.strip("codehub_session=" + TOKEN, false)).isNull();
        assertThat(cookie.strip(" __Host-codehub_session=1 ; codehub_session=2;", true)).isNull();
        assertThat(cookie.strip("", true)).isNull();
        assertThat(cookie.strip("  ", true)).isNull();
        assertThat(cookie.strip(null, true)).isNull();
    }

    @Test
    void stripLeavesAHeaderWithoutOurCookieAlone() {
        String header = "a=1;  b=2;codehub_sessionx=3; my_codehub_session=4";
        assertThat(cookie.strip(header, false)).isEqualTo("a=1; b=2; codehub_sessionx=3; my_codehub_session=4");
        String untouched = "a=1;  b=2";
        assertThat(cookie.strip(untouched, true)).isSameAs(untouched);
        assertThat(cookie.strip("x=codehub_session=1", false)).as("only in a value").isEqualTo("x=codehub_session=1");
    }

    private static List<String> attributes(String setCookie) {
        return Arrays.stream(setCookie.split(";")).skip(1).map(String::trim).toList();
    }
}
