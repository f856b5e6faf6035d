package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What an agent presented in its upgrade request, as given to a {@link TunnelAuthenticator}.
 * At least one of {@code apiKey}, {@code resumptionTicket} and {@code peerCertificates} is present.
 * {@link #toString()} never shows the key or the ticket.
 *
 * @param apiKey the bearer token of the {@code Authorization} header, if any
 * @param resumptionTicket the {@value TunnelProtocol#RESUMPTION_TICKET_HEADER} header, if any
 * @param agentVersion the {@value TunnelProtocol#AGENT_VERSION_HEADER} header
 * @param remoteAddress the TCP peer (the NAT or proxy address for agents behind one)
 * @param peerCertificates the verified TLS client certificate chain, empty without mTLS
 * @param description what the agent said about where it runs
 */
public record HandshakeRequest(
        @Nullable String apiKey,
        @Nullable String resumptionTicket,
        String agentVersion,
        InetSocketAddress remoteAddress,
        List<X509Certificate> peerCertificates,
        AgentDescription description) {

    /** A request whose agent said nothing about where it runs. */
    public HandshakeRequest(@Nullable String apiKey, @Nullable String resumptionTicket, String agentVersion,
            InetSocketAddress remoteAddress, List<X509Certificate> peerCertificates) {
        this(apiKey, resumptionTicket, agentVersion, remoteAddress, peerCertificates, AgentDescription.NONE);
    }

    public HandshakeRequest {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        peerCertificates = List.copyOf(peerCertificates);
        if (apiKey == null && resumptionTicket == null && peerCertificates.isEmpty()) {
            throw new IllegalArgumentException("credentials: none (expected: an API key, a ticket or a certificate)");
        }
    }

    @Override
    public String toString() {
        return "HandshakeRequest{apiKey=" + (apiKey == null ? "absent" : "present")
                + ", resumptionTicket=" + (resumptionTicket == null ? "absent" : "present")
                + ", agentVersion=" + agentVersion
                + ", remoteAddress=" + remoteAddress
                + ", peerCertificates=" + peerCertificates.size() + '}';
    }
}
