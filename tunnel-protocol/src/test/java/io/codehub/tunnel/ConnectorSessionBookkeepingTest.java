package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connector's {@code current} session against the order in which a session's pipeline reports:
 * under a connect storm the end of a session can be reported before the handshake's result makes it
 * current, and such a connector must not stay "connected" to a connection that is gone.
 */
@Timeout(30)
class ConnectorSessionBookkeepingTest {

    private final EventLoopGroup group = TunnelTransport.newEventLoopGroup(1);
    private TunnelConnector connector;

    @AfterEach
    void stop() throws Exception {
        if (connector != null) {
            connector.stop().get(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private TunnelConnector started() {
        // Port 1 on loopback refuses: the connector's own attempts fail and it keeps retrying.
        connector = TunnelConnector.builder().hubUri(URI.create("tcp://127.0.0.1:1")).apiKey("chk_a_b")
                .agentVersion("agent/0.1").ticketStore(TicketStore.inMemory()).eventLoopGroup(group)
                .streamHandlerFactory(TunnelTestKit.echo()).build();
        connector.start();
        return connector;
    }

    private static HubSessionInfo session(String id) {
        return new HubSessionInfo(id, "hub-1", Duration.ofSeconds(20), new InetSocketAddress("127.0.0.1", 1));
    }

    @Test
    void aSessionReportedClosedBeforeItsUpgradeCompletedNeverBecomesCurrent() throws Exception {
        TunnelConnector c = started();
        HubSessionInfo s = session("s-1");
        EmbeddedChannel gone = new EmbeddedChannel();
        gone.close();
        c.loop().submit(() -> {
            c.events().closed(s, null);
            c.opened(gone, new ClientHandshakeHandler.Upgraded(s, null));
        }).get(5, TimeUnit.SECONDS);

        assertThat(c.isConnected()).isFalse();
        // Nor later, when the close fallback of opened() would have run.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> !c.isConnected());
    }

    @Test
    void aCurrentSessionEndsOnItsCloseEvenIfTheSameSessionWasReportedClosedBefore() throws Exception {
        TunnelConnector c = started();
        HubSessionInfo s = session("s-2");
        EmbeddedChannel open = new EmbeddedChannel();
        c.loop().submit(() -> {
            c.events().closed(s, null); // an early report, while s is not current
            c.opened(open, new ClientHandshakeHandler.Upgraded(s, null));
        }).get(5, TimeUnit.SECONDS);
        assertThat(c.isConnected()).isTrue();

        open.close(); // the connection goes: the close fallback of opened() reports s again
        await().atMost(Duration.ofSeconds(5)).until(() -> !c.isConnected());
        c.loop().submit(() -> c.events().closed(s, null)).get(5, TimeUnit.SECONDS);
        assertThat(c.isConnected()).isFalse();
    }
}
