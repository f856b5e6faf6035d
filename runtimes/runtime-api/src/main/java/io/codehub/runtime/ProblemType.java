package io.codehub.runtime;

import java.util.Map;

import io.codehub.base.CodehubProblemType;
import org.jspecify.annotations.Nullable;

/**
 * The stable problem types of Agent API v1 (RFC 9457 {@code type}), each with its HTTP status.
 * The {@link #uri()} ({@code urn:codehub:problem:<slug>}, see {@link CodehubProblemType}) never
 * changes once published; clients match on it, never on {@code detail}.
 */
public enum ProblemType implements CodehubProblemType {

    /** The workspace id is not {@code [a-z0-9][a-z0-9-]{0,62}}. */
    INVALID_WORKSPACE_ID("invalid-workspace-id", 400, "Invalid workspace id"),
    /** The request body is not valid JSON or does not have the expected shape. */
    MALFORMED_REQUEST("malformed-request", 400, "Malformed request"),
    /** A field of the request is out of range or missing. */
    INVALID_SPEC("invalid-spec", 400, "Invalid request"),
    /** Missing, malformed, expired, wrong-audience or wrongly signed bearer token. */
    UNAUTHORIZED("unauthorized", 401, "Unauthorized"),
    /** The caller is authenticated but may not do this (e.g. no hub client certificate where mTLS is required). */
    FORBIDDEN("forbidden", 403, "Forbidden"),
    /** The workspace has no instance. */
    INSTANCE_NOT_FOUND("instance-not-found", 404, "Instance not found"),
    /** The instance does not expose the asked container port (neither its {@code port} nor one of its {@code ports}). */
    PORT_NOT_EXPOSED("port-not-exposed", 404, "Port not exposed"),
    /** The workspace has no volume. */
    VOLUME_NOT_FOUND("volume-not-found", 404, "Volume not found"),
    /** No job with that id is known to the agent. */
    JOB_NOT_FOUND("job-not-found", 404, "Job not found"),
    /** No archive with that key exists in the agent's archive store. */
    ARCHIVE_NOT_FOUND("archive-not-found", 404, "Archive not found"),
    /** No such route. */
    ROUTE_NOT_FOUND("not-found", 404, "Not found"),
    /** The HTTP method is not supported on that route. */
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method not allowed"),
    /** The volume is mounted by an instance (or being archived/restored). */
    VOLUME_IN_USE("volume-in-use", 409, "Volume in use"),
    /** The instance exists but is not running, so it has no upstream. */
    INSTANCE_NOT_RUNNING("instance-not-running", 409, "Instance not running"),
    /** A resource with the managed name exists but was not created by codehub. */
    FOREIGN_RESOURCE("foreign-resource", 409, "Resource not managed by codehub"),
    /** Another job is already running for that workspace. */
    JOB_IN_PROGRESS("job-in-progress", 409, "Job in progress"),
    /** The job id a start request gave already names a job of another kind or workspace. */
    JOB_ID_IN_USE("job-id-in-use", 409, "Job id in use"),
    /** The body is larger than the agent accepts. */
    PAYLOAD_TOO_LARGE("payload-too-large", 413, "Payload too large"),
    /** The body is not JSON. */
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "Unsupported media type"),
    /** The image is not present and the pull policy forbids pulling, or pulling failed. */
    IMAGE_UNAVAILABLE("image-unavailable", 422, "Image unavailable"),
    /** The container backend (Docker engine, Kubernetes API) cannot be reached. */
    BACKEND_UNAVAILABLE("backend-unavailable", 503, "Backend unavailable"),
    /** The backend failed in a way the agent did not expect. */
    BACKEND_ERROR("backend-error", 502, "Backend error"),
    /** A bug or unexpected condition in the agent. */
    INTERNAL("internal", 500, "Internal error");

    private static final Map<String, ProblemType> BY_URI = CodehubProblemType.byUri(values());

    private final Definition definition;

    ProblemType(String slug, int status, String title) {
        this.definition = new Definition(slug, status, title);
    }

    @Override
    public Definition definition() {
        return definition;
    }

    /** The problem type for a {@code type} URI, or {@code null} when it is not one of ours. */
    public static @Nullable ProblemType fromUri(@Nullable String type) {
        return type == null ? null : BY_URI.get(type);
    }
}
