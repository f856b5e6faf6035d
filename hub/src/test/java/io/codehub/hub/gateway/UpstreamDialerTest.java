package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

import io.codehub.runtime.Upstream;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import org.junit.jupiter.api.Test;

/** Where the gateway dials a direct agent's workspace: never where a hostile answer points. */
class UpstreamDialerTest {

    private static final URI AGENT = URI.create("https://10.0.0.5:8081");
    private static final List<IpSubnetFilterRule> NONE = List.of();

    @Test
    void aLoopbackOrWildcardAnswerMeansTheAgentsOwnHost() {
        for (String host : List.of("127.0.0.1", "::1", "[::1]", "0.0.0.0", "localhost")) {
            assertThat(UpstreamDialer.directTarget(AGENT, new Upstream(host, 32768), NONE))
                    .as(host).isEqualTo(new InetSocketAddress("10.0.0.5", 32768));
        }
    }

    @Test
    void theAgentsOwnHostIsTakenAsAnswered() {
        assertThat(UpstreamDialer.directTarget(AGENT, new Upstream("10.0.0.5", 3000), NONE))
                .isEqualTo(new InetSocketAddress("10.0.0.5", 3000));
        InetSocketAddress named = UpstreamDialer.directTarget(URI.create("http://agent-direct:8081"),
                new Upstream("agent-direct", 3000), NONE);
        assertThat(named.isUnresolved()).as("resolved later, off the event loop").isTrue();
        assertThat(named.getHostString()).isEqualTo("agent-direct");
    }

    @Test
    void anyOtherAddressIsRefusedUnlessTheOperatorNamedItsNetwork() {
        for (String host : List.of("169.254.169.254", "10.0.0.6", "192.168.1.1", "metadata.google.internal", "[fe80::1]")) {
            assertThatThrownBy(() -> UpstreamDialer.directTarget(AGENT, new Upstream(host, 80), NONE))
                    .as(host).isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.problem()).isEqualTo(GatewayProblem.UPSTREAM_UNAVAILABLE))
                    .hasMessageContaining("not on its own host");
        }
        List<IpSubnetFilterRule> docker = List.of(new IpSubnetFilterRule("172.28.0.0/16", IpFilterRuleType.ACCEPT));
        assertThat(UpstreamDialer.directTarget(AGENT, new Upstream("172.28.3.4", 8080), docker))
                .isEqualTo(new InetSocketAddress("172.28.3.4", 8080));
        assertThatThrownBy(() -> UpstreamDialer.directTarget(AGENT, new Upstream("172.29.0.1", 8080), docker))
                .isInstanceOf(GatewayException.class);
    }
}
