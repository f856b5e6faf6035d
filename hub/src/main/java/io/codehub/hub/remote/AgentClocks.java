package io.codehub.hub.remote;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far each agent's clock is from the hub's: its {@code Codehub-Agent-Time} (on every Agent API
 * response and in its tunnel upgrade request) minus the hub's clock. {@link HubTokenIssuer} mints
 * each agent's tokens in that agent's time, so a token is valid where it is checked, whatever the
 * two clocks say, and the agent's own skew allowance ({@code CODEHUB_AGENT_AUTH_CLOCK_SKEW}) stays
 * tight.
 *
 * <h2>Estimate</h2>
 * A call's sample is the agent's time against the midpoint of the hub's send and receive times,
 * so it errs by at most half the round trip; the handshake's sample is one way (the agent's stamp
 * against the arrival). The latest sample wins, except that one whose round trip was much longer
 * than that of the sample it would replace only replaces it after {@link #STALE_AFTER}: a call that
 * sat in a queue says little about the clock. Samples are kept for at most
 * {@value #MAX_AGENTS} agents; past that, the whole map is dropped and refilled by the next calls
 * (an agent without a sample is reached in the hub's time, and its first refusal corrects that).
 *
 * <h2>Operators</h2>
 * An agent whose offset exceeds the warning threshold is logged once at WARN (again only after
 * it has come back within the threshold), shown as {@code clockOffsetMillis} in the agents API and
 * counted by the {@code codehub.agents.clock.skewed} gauge.
 */
public final class AgentClocks {

    /** Most agents whose offsets are kept. */
    static final int MAX_AGENTS = 10_000;
    /** How long a precise sample holds against a less precise newer one. */
    static final Duration STALE_AFTER = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(AgentClocks.class);

    private final Duration warnAbove;
    private final Map<String, Sample> samples = new ConcurrentHashMap<>();

    /** One measurement: the offset, how precise it is (half the round trip) and when it was taken (hub millis). */
    private record Sample(long offsetMillis, long errorMillis, long takenAtMillis, boolean warned) {
    }

    /** @param warnAbove the offset beyond which an agent is logged and counted as skewed */
    public AgentClocks(Duration warnAbove) {
        this.warnAbove = Checks.positive("warnAbove", warnAbove);
    }

    /**
     * Records a call's answer: the agent stamped {@code agentMillis} on a response to a request the
     * hub sent at {@code sentMillis} and received at {@code receivedMillis} (its own clock).
     */
    public void recordCall(String agentId, long agentMillis, long sentMillis, long receivedMillis) {
        long midpoint = sentMillis + (receivedMillis - sentMillis) / 2;
        record(agentId, agentMillis - midpoint, Math.max(0, receivedMillis - sentMillis) / 2, receivedMillis);
    }

    /** Records an offset measured one way (a tunnel handshake) at hub time {@code atMillis}. */
    public void recordOneWay(String agentId, Duration offset, long atMillis) {
        record(agentId, offset.toMillis(), 0, atMillis);
    }

    private void record(String agentId, long offsetMillis, long errorMillis, long atMillis) {
        if (samples.size() >= MAX_AGENTS && !samples.containsKey(agentId)) {
            samples.clear();
        }
        Sample updated = samples.compute(agentId, (id, current) -> {
            if (current != null && errorMillis > 4 * current.errorMillis() + 50
                    && atMillis - current.takenAtMillis() < STALE_AFTER.toMillis()) {
                return current;
            }
            boolean skewed = Math.abs(offsetMillis) > warnAbove.toMillis();
            boolean warned = current != null && current.warned();
            if (skewed && !warned) {
                log.warn("agent {}'s clock is {} ms {} the hub's (more than {}): the hub mints its tokens in its "
                        + "time, but check time synchronisation (NTP) on the agent's host and on the hub's",
                        id, Math.abs(offsetMillis), offsetMillis > 0 ? "ahead of" : "behind", warnAbove);
            } else if (!skewed && warned) {
                log.info("agent {}'s clock is back within {} of the hub's ({} ms)", id, warnAbove, offsetMillis);
            }
            return new Sample(offsetMillis, errorMillis, atMillis, skewed);
        });
        log.debug("agent {} clock offset {} ms (±{} ms)", agentId, updated.offsetMillis(), updated.errorMillis());
    }

    /** The agent's clock minus the hub's, or null before its first sample. */
    public @Nullable Duration offset(String agentId) {
        Sample sample = samples.get(agentId);
        return sample == null ? null : Duration.ofMillis(sample.offsetMillis());
    }

    /** {@link #offset} in milliseconds, as the agents API shows it. */
    public @Nullable Long offsetMillis(String agentId) {
        Sample sample = samples.get(agentId);
        return sample == null ? null : sample.offsetMillis();
    }

    /** How many agents' clocks are further from the hub's than the warning threshold. */
    public int skewedAgents() {
        return (int) samples.values().stream().filter(Sample::warned).count();
    }

    /** Forgets an agent (deleted). */
    public void forget(String agentId) {
        samples.remove(agentId);
    }

    /** The warning threshold. */
    public Duration warnAbove() {
        return warnAbove;
    }
}
