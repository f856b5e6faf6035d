package io.codehub.hub.remote;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeoutException;

import io.codehub.base.AgentTime;
import io.codehub.base.Causes;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.ItemList;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.UnprocessedRequestException;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeExistence;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;

/**
 * A Runtime Agent seen as a {@link Runtime}: each SPI call is one Agent API v1 call over
 * {@link WebClient}, whatever the transport underneath (the connector chosen by
 * {@link AgentConnectors} from the endpoint's scheme).
 *
 * <h2>Authentication</h2>
 * Every call carries {@code Authorization: Bearer} with a token from {@link HubTokenIssuer}
 * ({@code aud} = this agent's id).
 *
 * <h2>Failures</h2>
 * An agent's problem+json answer becomes the SPI's typed exception for its {@link ProblemType}
 * ({@link RuntimeProblemException#of}), so callers cannot tell a remote runtime from a local one.
 * A transport failure (a timeout, a connection or tunnel stream that failed, whatever the
 * connector) is a {@link BackendUnavailableException} naming the agent and its endpoint: this class
 * is the one place where transport failures become the Runtime's errors, and it knows no transport
 * type, only {@link IOException}s and what WebClient wraps them in. A failure whose cause
 * chain holds an {@link UnprocessedRequestException} (the connector's word that the agent provably
 * never processed the call: an agent not connected, a refused tunnel stream, a stream above the
 * agent's GOAWAY) becomes one whose {@link BackendUnavailableException#isUnprocessed()} is true.
 *
 * <h2>Retries</h2>
 * As {@link RemoteCallPolicy} says: idempotent calls (every call but starting an archive or restore
 * job) on any {@link BackendUnavailableException} (a transport failure or a 503); the job starts
 * only on an unprocessed one, which cannot have started a job; the health check never (the checker
 * has its own backoff). Problems the agent states are never retried, with one exception: a 401
 * saying the token is expired or not yet valid, from an agent that stated its clock
 * ({@value AgentTime#HEADER}), is sent once more at once, with a token minted in the agent's time as
 * that answer just measured it (the first call to an agent whose clock is minutes off the hub's,
 * or one whose clock jumped). The agent refused the call before doing anything, so any call may be
 * repeated; it is repeated once, never in a loop.
 */
public final class RemoteRuntime implements Runtime {

    private static final Logger log = LoggerFactory.getLogger(RemoteRuntime.class);
    /** How the agent's refusals of a token for its time begin ({@code HubTokenVerifier}). */
    private static final List<String> TOKEN_TIME_REFUSALS = List.of("token expired", "token not valid before");

    private static final ParameterizedTypeReference<ItemList<InstanceStatus>> INSTANCES = new ParameterizedTypeReference<>() {
    };
    private static final ParameterizedTypeReference<ItemList<VolumeInfo>> VOLUMES = new ParameterizedTypeReference<>() {
    };

    private final String agentId;
    private final URI endpoint;
    private final WebClient client;
    private final HubTokenIssuer tokens;
    private final RemoteCallPolicy policy;

    /**
     * @param agentId  the agent's id, the audience of its tokens
     * @param endpoint its endpoint, for messages (the client already targets it)
     * @param client   a client whose base URL is the endpoint and whose connector reaches it
     * @param tokens   the hub's token issuer
     * @param policy   timeouts and retries
     */
    public RemoteRuntime(String agentId, URI endpoint, WebClient client, HubTokenIssuer tokens, RemoteCallPolicy policy) {
        this.agentId = agentId;
        this.endpoint = endpoint;
        this.client = client;
        this.tokens = tokens;
        this.policy = policy;
    }

    /** The agent this runtime calls. */
    public String agentId() {
        return agentId;
    }

    /** Its endpoint. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public Mono<InstanceStatus> startInstance(WorkspaceId workspaceId, InstanceSpec spec) {
        return call(HttpMethod.POST, "/instances/{id}/start", spec, InstanceStatus.class, Replay.IDEMPOTENT,
                workspaceId.value());
    }

    @Override
    public Mono<Void> deleteInstance(WorkspaceId workspaceId) {
        return call(HttpMethod.DELETE, "/instances/{id}", null, Void.class, Replay.IDEMPOTENT, workspaceId.value());
    }

    @Override
    public Mono<InstanceStatus> instanceStatus(WorkspaceId workspaceId) {
        return call(HttpMethod.GET, "/instances/{id}/status", null, InstanceStatus.class, Replay.IDEMPOTENT,
                workspaceId.value());
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId) {
        return call(HttpMethod.GET, "/instances/{id}/upstream", null, Upstream.class, Replay.IDEMPOTENT,
                workspaceId.value());
    }

    /** {@code GET /instances/{id}/upstream?port=N}; the agent checks the port. */
    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId, int port) {
        return call(HttpMethod.GET, "/instances/{id}/upstream?port={port}", null, Upstream.class, Replay.IDEMPOTENT,
                workspaceId.value(), port);
    }

    @Override
    public Mono<List<InstanceStatus>> listInstances(String prefix) {
        return call(HttpMethod.GET, "/instances?prefix={prefix}", null, INSTANCES, Replay.IDEMPOTENT, prefix)
                .map(ItemList::items);
    }

    @Override
    public Mono<VolumeInfo> createVolume(WorkspaceId workspaceId) {
        return call(HttpMethod.POST, "/volumes/{id}", null, VolumeInfo.class, Replay.IDEMPOTENT, workspaceId.value());
    }

    @Override
    public Mono<Void> deleteVolume(WorkspaceId workspaceId) {
        return call(HttpMethod.DELETE, "/volumes/{id}", null, Void.class, Replay.IDEMPOTENT, workspaceId.value());
    }

    @Override
    public Mono<Boolean> volumeExists(WorkspaceId workspaceId) {
        return call(HttpMethod.GET, "/volumes/{id}/exists", null, VolumeExistence.class, Replay.IDEMPOTENT,
                workspaceId.value())
                .map(VolumeExistence::exists);
    }

    @Override
    public Mono<List<VolumeInfo>> listVolumes() {
        return call(HttpMethod.GET, "/volumes", null, VOLUMES, Replay.IDEMPOTENT).map(ItemList::items);
    }

    @Override
    public Mono<JobStatus> startArchive(ArchiveRequest request) {
        // With a job id of the caller's, asking again answers the same job; without one, a retry after
        // a lost answer would start a second archive job: retried only when the agent never processed it.
        return call(HttpMethod.POST, "/jobs/archive", request, JobStatus.class, replayOfJobStart(request.jobId()));
    }

    @Override
    public Mono<JobStatus> startRestore(RestoreRequest request) {
        return call(HttpMethod.POST, "/jobs/restore", request, JobStatus.class, replayOfJobStart(request.jobId()));
    }

    private static Replay replayOfJobStart(@Nullable String jobId) {
        return jobId == null ? Replay.UNPROCESSED : Replay.IDEMPOTENT;
    }

    @Override
    public Mono<JobStatus> job(String jobId) {
        return call(HttpMethod.GET, "/jobs/{id}", null, JobStatus.class, Replay.IDEMPOTENT, jobId);
    }

    /**
     * The agent's health, in one attempt (the health checker has its own backoff). Never fails: an
     * agent that cannot be reached, times out or refuses the hub's token is {@code DOWN}, with why.
     */
    @Override
    public Mono<Health> health() {
        return call(HttpMethod.GET, "/health", null, Health.class, Replay.NEVER)
                .onErrorResume(RuntimeProblemException.class,
                        e -> Mono.just(new Health(HealthStatus.DOWN, "unknown", "unknown", null, e.detail())));
    }

    @Override
    public String toString() {
        return "RemoteRuntime[agent=" + agentId + ", endpoint=" + endpoint + "]";
    }

    /** Which failures of a call may be retried. */
    private enum Replay {
        /** Any {@link BackendUnavailableException}: repeating the call changes nothing. */
        IDEMPOTENT,
        /** Only one the agent never processed ({@link BackendUnavailableException#isUnprocessed()}). */
        UNPROCESSED,
        /** None: one attempt. */
        NEVER
    }

    private <T> Mono<T> call(HttpMethod method, String template, @Nullable Object body, Class<T> type,
            Replay replay, Object... variables) {
        return call(method, template, body, ParameterizedTypeReference.forType(type), replay, variables);
    }

    private <T> Mono<T> call(HttpMethod method, String template, @Nullable Object body,
            ParameterizedTypeReference<T> type, Replay replay, Object... variables) {
        String operation = method.name() + " " + describe(template, variables);
        Mono<T> attempt = Mono.defer(() -> {
            WebClient.RequestBodySpec request = client.method(method)
                    .uri(template, variables)
                    .headers(headers -> headers.setBearerAuth(tokens.tokenFor(agentId)))
                    .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON);
            WebClient.RequestHeadersSpec<?> withBody = body == null ? request : request.bodyValue(body);
            return withBody.exchangeToMono(response -> decode(response, type, operation));
        })
                .timeout(policy.callTimeout())
                .onErrorMap(RemoteRuntime::isTransportFailure, e -> unavailable(e, operation));
        Mono<T> corrected = attempt.onErrorResume(ClockRefusal.class, refusal -> {
            log.info("agent {} refused the hub's token for its time ({}); sending {} again with a token in the "
                    + "agent's time", agentId, refusal.problem().getMessage(), operation);
            tokens.forget(agentId);
            return attempt.onErrorMap(ClockRefusal.class, ClockRefusal::problem);
        });
        return switch (replay) {
            case IDEMPOTENT -> corrected.retryWhen(policy.retry(true));
            case UNPROCESSED -> corrected.retryWhen(policy.retry(false));
            case NEVER -> corrected;
        };
    }

    /**
     * A 401 that refused the token for the agent's time, from an agent that stated its time (so the
     * offset is corrected by now): the call may be sent again once. {@link #problem} is what the
     * caller sees if the second attempt is refused too.
     */
    private static final class ClockRefusal extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final RuntimeException problem;

        ClockRefusal(RuntimeException problem) {
            super(problem.getMessage(), problem, false, false);
            this.problem = problem;
        }

        RuntimeException problem() {
            return problem;
        }
    }

    /** Whether a 401's problem says the token was refused for its times, by an agent that stated its clock. */
    static boolean isClockRefusal(int status, AgentProblem problem, @Nullable String agentTime) {
        if (status != 401 || ProblemType.fromUri(problem.type()) != ProblemType.UNAUTHORIZED
                || AgentTime.parse(agentTime) == null || problem.detail() == null) {
            return false;
        }
        return TOKEN_TIME_REFUSALS.stream().anyMatch(problem.detail()::startsWith);
    }

    /**
     * The one translation of a transport failure into the Runtime's error. The connector says
     * whether the agent never processed the call ({@link UnprocessedRequestException} in the
     * chain); nothing else here depends on which connector failed.
     */
    private BackendUnavailableException unavailable(Throwable failure, String operation) {
        boolean unprocessed = UnprocessedRequestException.in(failure);
        String agent = "agent " + agentId + " at " + endpoint;
        String detail;
        if (failure instanceof TimeoutException) {
            detail = agent + " did not answer " + operation + " within " + policy.callTimeout();
        } else if (failure instanceof WebClientRequestException) {
            detail = agent + " cannot be reached (" + operation + "): " + Causes.rootMessage(failure);
        } else {
            // The connection (or the tunnel stream) broke after the status line: the answer is
            // lost, which is the agent being unreachable, not a failure of the operation.
            detail = agent + ": the connection broke while it answered " + operation + ": " + Causes.rootMessage(failure);
        }
        return new BackendUnavailableException(unprocessed ? detail + " (never processed by the agent)" : detail,
                failure, unprocessed);
    }

    /** A timeout, a request WebClient could not send, or an I/O failure anywhere in the chain. */
    private static boolean isTransportFailure(Throwable error) {
        if (error instanceof RuntimeProblemException) {
            return false;
        }
        return error instanceof TimeoutException || error instanceof WebClientRequestException
                || Causes.any(error, IOException.class);
    }

    private <T> Mono<T> decode(ClientResponse response, ParameterizedTypeReference<T> type, String operation) {
        int status = response.statusCode().value();
        if (response.statusCode().is2xxSuccessful()) {
            if (type.getType() == Void.class) {
                return response.releaseBody().then(Mono.empty());
            }
            return response.bodyToMono(type).switchIfEmpty(Mono.error(() -> new BackendFailureException(
                    ProblemType.BACKEND_ERROR, "agent " + agentId + " answered " + operation + " with an empty body", null)));
        }
        String agentTime = response.headers().asHttpHeaders().getFirst(AgentTime.HEADER);
        return response.bodyToMono(AgentProblem.class)
                .onErrorResume(e -> Mono.empty())
                .defaultIfEmpty(new AgentProblem(null, null, status, null))
                .flatMap(problem -> {
                    RuntimeException error = toException(problem, status, operation);
                    return Mono.error(isClockRefusal(status, problem, agentTime) ? new ClockRefusal(error) : error);
                });
    }

    private RuntimeException toException(AgentProblem problem, int status, String operation) {
        ProblemType type = ProblemType.fromUri(problem.type());
        String detail = problem.detail() == null ? "HTTP " + status : problem.detail();
        // forbidden: the agent refused the hub's client certificate, a fault of the hub's set-up that
        // its API clients cannot fix, so it is a backend error to them and not a 403 of their own
        if (type == null || type == ProblemType.FORBIDDEN) {
            ProblemType byStatus = status == 503 ? ProblemType.BACKEND_UNAVAILABLE : ProblemType.BACKEND_ERROR;
            return RuntimeProblemException.of(byStatus, "agent " + agentId + " at " + endpoint + " answered " + operation
                    + " with HTTP " + status + (problem.type() == null ? "" : " (" + problem.type() + ")") + ": " + detail);
        }
        if (type == ProblemType.UNAUTHORIZED) {
            return RuntimeProblemException.of(type, "agent " + agentId + " at " + endpoint + " refused the hub's token ("
                    + detail + "); is its CODEHUB_AGENT_HUB_PUBLIC_KEY this hub's key and its CODEHUB_AGENT_ID " + agentId + "?");
        }
        return RuntimeProblemException.of(type, "agent " + agentId + ": " + detail);
    }

    private static String describe(String template, Object... variables) {
        String result = template;
        for (Object variable : variables) {
            result = result.replaceFirst("\\{[a-z]+}", java.util.regex.Matcher.quoteReplacement(String.valueOf(variable)));
        }
        return result;
    }

}
