package io.codehub.runtime.support;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;

/**
 * The checks every backend makes on the port of {@code Runtime.upstream(id, port)}, with the same
 * problem types and details everywhere: the port must be a port number, and one the instance
 * exposes (its spec's {@code port} or one of its {@code ports}).
 *
 * <p>For {@code Runtime} implementations. Stateless; thread-safe.
 */
public final class ExposedPorts {

    private ExposedPorts() {
    }

    /**
     * {@code port} when it is a port number.
     *
     * @throws InvalidSpecException ({@code invalid-spec}) when it is outside 1..65535
     */
    public static int requireValid(int port) {
        if (port < 1 || port > 65535) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "port: " + port + " (expected: 1..65535)");
        }
        return port;
    }

    /**
     * {@code port} when {@code instance} exposes it: it is {@code main} or one of {@code additional}.
     *
     * @param instance   the instance's name, for the detail (e.g. {@code codehub-ws-ws1})
     * @param main       the instance's main port
     * @param additional its additional ports
     * @throws InvalidSpecException ({@code invalid-spec}) when {@code port} is outside 1..65535
     * @throws NotFoundException    ({@code port-not-exposed}) when the instance does not expose it
     */
    public static int requireExposed(String instance, int port, int main, List<Integer> additional) {
        requireValid(port);
        if (port != main && !additional.contains(port)) {
            String exposed = Stream.concat(Stream.of(main), additional.stream()).map(String::valueOf)
                    .collect(Collectors.joining(", "));
            throw new NotFoundException(ProblemType.PORT_NOT_EXPOSED, "instance " + instance
                    + " does not expose port " + port + " (exposed: " + exposed + ")");
        }
        return port;
    }
}
