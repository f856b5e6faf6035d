package io.codehub.pki;

import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An agent's identity in a certificate: the URI subject alternative name
 * {@code spiffe://codehub/agent/<agentId>}. The hub maps a client certificate to its agent with
 * {@link #agentId(X509Certificate)}; nothing else in the certificate (not the CN) is trusted for
 * that.
 *
 * <p>Agent ids are 1 to 128 characters of {@code [A-Za-z0-9.-]}, starting with a letter or digit,
 * so that they fit a URI path segment, a file name and a log line without escaping.
 */
public final class AgentIdentity {

    /** The URI prefix of every agent identity. */
    public static final String URI_PREFIX = "spiffe://codehub/agent/";
    /**
     * The hub's identity, a URI SAN of every certificate {@code issue server} makes: what an agent's
     * direct listener requires of a client certificate when it only admits the hub.
     */
    public static final String HUB_URI = "spiffe://codehub/hub";

    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,127}");
    private static final int URI_SAN = 6;

    private AgentIdentity() {
    }

    /** Whether {@code agentId} is a well-formed agent id. */
    public static boolean isValidAgentId(String agentId) {
        return AGENT_ID.matcher(agentId).matches();
    }

    /**
     * Returns {@code agentId} when it is well formed.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String requireValidAgentId(String agentId) {
        if (!isValidAgentId(agentId)) {
            throw new IllegalArgumentException("agent id: '" + printable(agentId)
                    + "' (expected: 1 to 128 of [A-Za-z0-9.-], starting with a letter or digit)");
        }
        return agentId;
    }

    /** The identity URI {@code spiffe://codehub/agent/<agentId>} of a (validated) agent id. */
    public static URI uri(String agentId) {
        return URI.create(URI_PREFIX + requireValidAgentId(agentId));
    }

    /**
     * The agent id named by a URI, or empty when the URI is not a well-formed agent identity.
     */
    public static Optional<String> agentId(String uri) {
        if (!uri.startsWith(URI_PREFIX)) {
            return Optional.empty();
        }
        String id = uri.substring(URI_PREFIX.length());
        return isValidAgentId(id) ? Optional.of(id) : Optional.empty();
    }

    /** Whether {@code certificate} carries the hub identity {@value #HUB_URI} as a URI SAN. */
    public static boolean isHub(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            return names != null && names.stream()
                    .anyMatch(n -> n.size() == 2 && Integer.valueOf(URI_SAN).equals(n.get(0)) && HUB_URI.equals(n.get(1)));
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /**
     * The agent id of a certificate: present when the certificate carries exactly one URI SAN and
     * it is a well-formed agent identity. Several URI SANs make the identity ambiguous, so such a
     * certificate names no agent.
     */
    public static Optional<String> agentId(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        List<String> uris = names.stream()
                .filter(name -> name.size() >= 2 && Integer.valueOf(URI_SAN).equals(name.get(0)))
                .map(name -> String.valueOf(name.get(1)))
                .toList();
        return uris.size() == 1 ? agentId(uris.get(0)) : Optional.empty();
    }

    static String printable(String text) {
        String cut = text.length() > 140 ? text.substring(0, 140) + "..." : text;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return out.toString();
    }
}
