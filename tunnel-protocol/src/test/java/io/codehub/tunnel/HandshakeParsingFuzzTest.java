package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.context;
import static io.codehub.tunnel.HandshakeTestSupport.hubChannel;
import static io.codehub.tunnel.HandshakeTestSupport.ticker;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.codehub.tunnel.HandshakeTestSupport.InetEmbeddedChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzzes how the hub turns an upgrade request into a {@link HandshakeRequest}: the header syntax
 * checks ({@link HeaderValues}, {@link UpgradeRequests#bearer}, {@link AgentDescription}) against
 * regular-expression oracles, and whole requests through the real {@link ServerHandshakeHandler}:
 * what reaches the authenticator is always within the documented syntax and caps and equal to what
 * the request said, and a plainly well-formed request always reaches it. Seeds in
 * {@code HandshakeParsingFuzzTestInputs/<method>/}; see docs/security-testing.md, Fuzzing.
 */
@ExtendWith(NoBufferLeaks.class)
class HandshakeParsingFuzzTest {

    private static final Pattern TOKEN68 = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7e]+");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]+");
    private static final int MAX_API_KEY = 1024;
    private static final int MAX_TICKET = 4096;
    private static final String[] DESCRIPTION_HEADERS = {TunnelProtocol.AGENT_OS_HEADER,
        TunnelProtocol.AGENT_ARCH_HEADER, TunnelProtocol.AGENT_RUNTIME_HEADER,
        TunnelProtocol.AGENT_BACKEND_VERSION_HEADER};
    private static final int[] DESCRIPTION_CAPS = {AgentDescription.MAX_NAME, AgentDescription.MAX_NAME,
        AgentDescription.MAX_NAME, AgentDescription.MAX_BACKEND_VERSION};

    /** token68, printable and Bearer checks agree with their grammar, caps included. */
    @FuzzTest(maxDuration = "2m")
    void headerValueSyntax(FuzzedDataProvider data) {
        int max = data.consumeInt(1, 8192);
        String value = data.consumeRemainingAsString();
        boolean fits = !value.isEmpty() && value.length() <= max;
        assertThat(HeaderValues.isToken68(value, max)).isEqualTo(fits && TOKEN68.matcher(value).matches());
        assertThat(HeaderValues.isPrintable(value, max)).isEqualTo(fits && PRINTABLE.matcher(value).matches());

        String token = UpgradeRequests.bearer(value, max);
        boolean bearer = value.length() >= 8 && value.regionMatches(true, 0, "Bearer ", 0, 7);
        String expected = bearer ? value.substring(7).trim() : null;
        if (expected != null
                && (expected.isEmpty() || expected.length() > max || !TOKEN68.matcher(expected).matches())) {
            expected = null;
        }
        assertThat(token).isEqualTo(expected);
    }

    /** The description headers are taken as sent or refused with IllegalArgumentException; sanitizing never fails. */
    @FuzzTest(maxDuration = "2m")
    void agentDescriptionHeaders(FuzzedDataProvider data) {
        String[] values = new String[DESCRIPTION_HEADERS.length];
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        boolean valid = true;
        for (int i = 0; i < values.length; i++) {
            if (data.consumeBoolean()) {
                values[i] = data.consumeString(2 * DESCRIPTION_CAPS[i]);
                headers.set(DESCRIPTION_HEADERS[i], values[i]);
                valid &= values[i].length() <= DESCRIPTION_CAPS[i] && PRINTABLE.matcher(values[i]).matches();
            }
        }
        if (valid) {
            AgentDescription description = AgentDescription.of(headers);
            assertThat(description).isEqualTo(new AgentDescription(values[0], values[1], values[2], values[3]));
            assertThat(AgentDescription.malformed(headers)).isNull();
        } else {
            assertThatThrownBy(() -> AgentDescription.of(headers)).isExactlyInstanceOf(IllegalArgumentException.class);
            assertThat(AgentDescription.malformed(headers)).isNotNull();
        }

        AgentDescription sanitized = AgentDescription.sanitized(values[0], values[1], values[2], values[3]);
        HttpHeaders sent = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        sanitized.addTo(sent);
        assertThat(AgentDescription.of(sent)).isEqualTo(sanitized);
        assertThat(AgentDescription.sanitized(sanitized.os(), sanitized.arch(), sanitized.runtime(),
                sanitized.backendVersion())).isEqualTo(sanitized);
    }

    /**
     * A whole request (bytes as sent) through the hub's HTTP codec and handshake handler. What the
     * authenticator sees has every credential within its syntax and cap, a printable agent version,
     * a valid description, and equals the request's headers; a request that plainly follows the
     * protocol always reaches it and is upgraded; every answer is a 101 or a typed problem.
     */
    @FuzzTest(maxDuration = "2m")
    void upgradeRequests(byte[] request) {
        AtomicReference<HandshakeRequest> seen = new AtomicReference<>();
        ServerContext server = context(r -> {
            seen.set(r);
            return CompletableFuture.completedFuture(AuthDecision.accept("agent-f", null));
        }, TunnelLimits.defaults(), ticker());
        InetEmbeddedChannel ch = hubChannel(server, "127.0.0.11");
        ByteBuf in = Unpooled.buffer(request.length + 1).writeBytes(request);
        String out;
        try {
            ch.writeInbound(in);
            ch.runPendingTasks();
            ch.checkException();
            out = written(ch);
        } finally {
            written(ch);
            ch.finishAndReleaseAll();
        }
        assertThat(in.refCnt()).isZero();

        String text = new String(request, StandardCharsets.ISO_8859_1);
        Map<String, String> plain = plainRequest(text);
        HandshakeRequest handshake = seen.get();
        if (handshake != null) {
            assertThat(handshake.apiKey() == null || HeaderValues.isToken68(handshake.apiKey(), MAX_API_KEY)).isTrue();
            assertThat(handshake.resumptionTicket() == null
                    || HeaderValues.isToken68(handshake.resumptionTicket(), MAX_TICKET)).isTrue();
            assertThat(HeaderValues.isPrintable(handshake.agentVersion(), 64)).isTrue();
            assertThat(handshake.peerCertificates()).isEmpty();
            assertThat(handshake.apiKey() != null || handshake.resumptionTicket() != null).isTrue();
            // Netty reads the HTTP name without regard to case ("HTtP/1.1"): lenient, and harmless here
            assertThat(text).startsWith("GET " + TunnelProtocol.PATH + " ");
            assertThat(text.substring(15, 25)).isEqualToIgnoringCase("HTTP/1.1\r\n");
            if (handshake.apiKey() != null) {
                assertThat(text).contains(handshake.apiKey());
            }
            if (handshake.resumptionTicket() != null) {
                assertThat(text).contains(handshake.resumptionTicket());
            }
        }
        if (plain != null) {
            assertThat(handshake).as("a well-formed upgrade reaches the authenticator").isNotNull();
            assertThat(handshake.agentVersion()).isEqualTo(plain.get("codehub-agent-version"));
            assertThat(handshake.resumptionTicket()).isEqualTo(plain.get("codehub-resumption-ticket"));
            String authorization = plain.get("authorization");
            assertThat(handshake.apiKey()).isEqualTo(authorization == null ? null : authorization.substring(7).trim());
            assertThat(handshake.description()).isEqualTo(new AgentDescription(plain.get("codehub-agent-os"),
                    plain.get("codehub-agent-arch"), plain.get("codehub-agent-runtime"),
                    plain.get("codehub-agent-backend-version")));
        }
        if (!out.isEmpty()) {
            int status = HubAnswers.checkFirstResponse(out, Set.of(),
                    text.contains("HEAD"));
            assertThat(status == 101).isEqualTo(handshake != null);
        }
    }

    /**
     * The headers (lower-case names) of {@code text} when it is plainly a valid upgrade request: the
     * exact request line, each header once with a simple name and a printable value without
     * surrounding spaces, nothing that announces a body, every protocol header valid, one valid
     * credential; otherwise null (the request may still be valid, the oracle just does not say).
     */
    private static @Nullable Map<String, String> plainRequest(String text) {
        String head = "GET " + TunnelProtocol.PATH + " HTTP/1.1\r\n";
        if (!text.startsWith(head) || !text.endsWith("\r\n\r\n") || text.length() > 4096) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        // the request line's CRLF and the blank line's may be the same "\r\n\r\n" (no headers)
        String block = text.length() < head.length() + 4 ? "" : text.substring(head.length(), text.length() - 4);
        for (String line : block.isEmpty() ? new String[0] : block.split("\r\n", -1)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !HEADER_NAME.matcher(line.substring(0, colon)).matches()) {
                return null;
            }
            String value = line.substring(colon + 1);
            value = value.startsWith(" ") ? value.substring(1) : value;
            if (!PRINTABLE.matcher(value).matches() || !value.equals(value.trim())
                    || headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), value) != null) {
                return null;
            }
        }
        for (String bodyHeader : new String[] {"content-length", "transfer-encoding", "expect"}) {
            if (headers.containsKey(bodyHeader)) {
                return null;
            }
        }
        String version = headers.get("codehub-agent-version");
        String authorization = headers.get("authorization");
        String ticket = headers.get("codehub-resumption-ticket");
        boolean validKey = authorization != null && authorization.length() >= 8
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && HeaderValues.isToken68(authorization.substring(7).trim(), MAX_API_KEY);
        if (!headers.containsKey("host") || !"upgrade".equalsIgnoreCase(headers.get("connection"))
                || !TunnelProtocol.UPGRADE_TOKEN.equals(headers.get("upgrade")) || version == null
                || version.length() > 64 || (authorization != null && !validKey)
                || (ticket != null && !HeaderValues.isToken68(ticket, MAX_TICKET)) || (!validKey && ticket == null)) {
            return null;
        }
        for (int i = 0; i < DESCRIPTION_HEADERS.length; i++) {
            String value = headers.get(DESCRIPTION_HEADERS[i].toLowerCase(Locale.ROOT));
            if (value != null && value.length() > DESCRIPTION_CAPS[i]) {
                return null;
            }
        }
        return headers;
    }
}
