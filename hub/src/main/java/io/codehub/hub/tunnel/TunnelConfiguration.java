package io.codehub.hub.tunnel;

import java.time.Clock;
import java.util.Random;

import io.codehub.hub.agents.AgentConnected;
import io.codehub.hub.agents.AgentConnections;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.ClusterProperties;
import io.codehub.hub.config.PkiProperties;
import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.remote.AgentClocks;
import io.codehub.tunnel.TunnelObserver;
import io.codehub.tunnel.spring.AgentTunnels;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Wires the tunnel: the port, its authenticator and tickets, the transport and the connection views. */
@Configuration(proxyBeanMethods = false)
public class TunnelConfiguration {

    @Bean
    LiveTunnels liveTunnels() {
        return new LiveTunnels();
    }

    @Bean
    TunnelAgentConnectors tunnelAgentConnectors(AgentTunnels tunnels) {
        return new TunnelAgentConnectors(tunnels);
    }

    @Bean
    AgentConnections tunnelConnections(LiveTunnels tunnels) {
        return new TunnelConnections(tunnels);
    }

    @Bean
    ResumptionTickets resumptionTickets(HubIdentity identity, TunnelProperties properties, Clock clock) {
        return new ResumptionTickets(identity, properties.ticketTtl(), clock);
    }

    @Bean(destroyMethod = "close")
    TunnelKeyChecks tunnelKeyChecks(TunnelProperties properties, ObjectProvider<MeterRegistry> meters) {
        // Half the handshake timeout for the wait: the rest is the check itself, TLS and the answer.
        TunnelKeyChecks checks = new TunnelKeyChecks(properties.keyCheckThreadsOrDefault(), properties.keyCheckQueue(),
                properties.handshakeTimeout().dividedBy(2), System::nanoTime);
        meters.ifAvailable(registry -> FunctionCounter.builder("codehub.tunnel.key.checks.refused", checks,
                        TunnelKeyChecks::refused)
                .description("API key checks refused with 503 and a Retry-After because CODEHUB_HUB_TUNNEL_KEY_CHECK_"
                        + "THREADS and _QUEUE were full, or the wait for a thread would pass half the handshake timeout")
                .register(registry));
        return checks;
    }

    @Bean
    AgentTunnelAuthenticator agentTunnelAuthenticator(AgentRegistry registry, AgentRepository agents,
            ResumptionTickets tickets, HubPki pki, ObjectProvider<MeterRegistry> meters,
            LiveTunnels tunnels, EventPublisher history, Clock clock, TunnelKeyChecks keyChecks) {
        AgentTunnelAuthenticator authenticator = new AgentTunnelAuthenticator(registry, agents, tickets,
                pki, keyChecks);
        authenticator.reportRefusals(new AuthFailures(agents, history, tunnels, Schedulers.parallel(), clock));
        meters.ifAvailable(registry1 -> FunctionCounter.builder("codehub.tunnel.key.checks", authenticator,
                        AgentTunnelAuthenticator::keyChecks)
                .description("API keys checked with bcrypt in tunnel handshakes (tickets cost none)")
                .register(registry1));
        return authenticator;
    }

    @Bean
    TunnelTls tunnelTls(TunnelProperties properties, HubPki pki) {
        return new TunnelTls(properties, pki);
    }

    @Bean
    CertificateWatch certificateWatch(HubPki pki, LiveTunnels tunnels, TunnelTls tls, PkiProperties properties,
            Clock clock) {
        CertificateWatch watch = new CertificateWatch(pki, tunnels, tls, properties.checkInterval(), clock);
        pki.onRevocation(watch::checkNow);
        return watch;
    }

    @Bean
    CertificateEnrolment certificateEnrolment(HubPki pki, AgentRegistry registry, AgentRepository agents,
            Scheduler keyHashing, EventPublisher events, TunnelKeyChecks keyChecks) {
        return new CertificateEnrolment(pki, registry, agents, keyHashing, events, keyChecks);
    }

    @Bean
    TunnelPort tunnelPort(TunnelProperties properties, HubIdentity identity, AgentTunnelAuthenticator authenticator,
            LiveTunnels tunnels, TunnelTls tls, HubPki pki, CertificateEnrolment enrolment,
            ApplicationEventPublisher events, AgentRepository agents, EventPublisher history, Clock clock,
            ObjectProvider<TunnelObserver> observer, AgentClocks clocks, ClusterProperties cluster,
            TransactionalOperator tx) {
        // Enrolment sends an API key and returns a certificate: only over TLS, and only with a CA.
        TunnelPort port = new TunnelPort(properties, identity.hubId(), authenticator, tunnels, tls,
                tls.enabled() && pki.enabled() ? enrolment : null);
        port.onAgentConnected(agentId -> events.publishEvent(new AgentConnected(agentId)));
        observer.ifAvailable(port::observe);
        port.clock(clock);
        port.recordSessions(new SessionEvents(agents, tx, history, Schedulers.parallel(), clock, clocks,
                cluster.enabled() ? cluster.idOrHostName() : null, new Random()));
        return port;
    }
}
