package io.codehub.tunnel;

import java.util.Objects;

import io.codehub.base.Checks;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What a {@link RelayHandler} decided for one relayed stream: {@link #forward} it into a local
 * tunnel session, or {@link #refuse} it with an HTTP status and an RFC 9457 problem.
 */
public sealed interface RelayDecision permits RelayDecision.Forward, RelayDecision.Refuse {

    /** Relays the stream into {@code target}, one of this hub's own sessions. */
    static RelayDecision forward(TunnelSession target) {
        return new Forward(target);
    }

    /**
     * Answers {@code status} with an {@code application/problem+json} body and ends the stream; the
     * agent never hears of it.
     *
     * @param status an HTTP error status, 400 to 599
     * @param problemType the RFC 9457 {@code type} URI, e.g. {@code urn:codehub:problem:relay-forbidden}
     * @param detail the occurrence's detail (truncated to 512 characters; never a credential)
     */
    static RelayDecision refuse(int status, String problemType, String detail) {
        HttpResponseStatus known = HttpResponseStatus.valueOf(status);
        return new Refuse(status, problemType, known.reasonPhrase(), detail);
    }

    /** {@link #refuse(int, String, String)} with one of the relay's own problem types. */
    static RelayDecision refuse(RelayProblem problem, String detail) {
        return new Refuse(problem.status(), problem.uri().toString(), problem.title(), detail);
    }

    /** Relay the stream into {@code target}. */
    record Forward(TunnelSession target) implements RelayDecision {
        public Forward {
            Objects.requireNonNull(target, "target");
        }
    }

    /** Answer with a problem; {@code title} is the problem type's (or the status's reason phrase). */
    record Refuse(int status, String problemType, String title, String detail) implements RelayDecision {
        public Refuse {
            Checks.inRange("status", status, 400, 599);
            Checks.notBlank("problemType", problemType);
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
