package io.codehub.hub.cluster;

import java.util.Optional;

import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.tunnel.RelayClient;
import io.codehub.tunnel.RelayServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.AgentTunnels;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The tunnels every hub can use, whichever hub holds them: this hub's own session of an agent when
 * it has one, else a view of the session through the holding hub's relay (the registry names it).
 * Everything above {@link AgentTunnels} (Agent API calls, the gateway's CONNECT streams) works the
 * same either way; the holder only executes, it never forwards again (its relay looks at its own
 * sessions only).
 */
final class ClusterTunnels implements AgentTunnels {

    private final LiveTunnels local;
    private final Membership membership;
    private final RelayClient relay;
    private final RelayTokens tokens;

    ClusterTunnels(LiveTunnels local, Membership membership, RelayClient relay, RelayTokens tokens) {
        this.local = local;
        this.membership = membership;
        this.relay = relay;
        this.tokens = tokens;
    }

    @Override
    public Optional<TunnelSession> session(String agentId) {
        Optional<TunnelSession> own = local.session(agentId);
        if (own.isPresent() && own.get().isActive()) {
            return own;
        }
        Optional<Membership.Holder> holder = membership.holder(agentId);
        if (holder.isEmpty()) {
            return own;
        }
        Http2Headers headers = new DefaultHttp2Headers()
                .set(RelayServer.AGENT_HEADER, agentId)
                .set(RelayServer.AUTHORIZATION_HEADER, tokens.token());
        return Optional.of(relay.session(holder.get().address(), agentId, headers));
    }
}
