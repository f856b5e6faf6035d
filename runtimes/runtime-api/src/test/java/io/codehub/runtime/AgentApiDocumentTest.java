package io.codehub.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import io.codehub.base.CodehubProblemType;
import io.codehub.runtime.contract.AgentApiConformance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

class AgentApiDocumentTest {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final AgentApiConformance document = AgentApiConformance.load();

    @Test
    void declaresEveryEndpointOfDesignMd() {
        assertThat(document.operations()).containsExactlyInAnyOrder(
                "POST /instances/{workspaceId}/start",
                "DELETE /instances/{workspaceId}",
                "GET /instances/{workspaceId}/status",
                "GET /instances/{workspaceId}/upstream",
                "GET /instances",
                "POST /volumes/{workspaceId}",
                "DELETE /volumes/{workspaceId}",
                "GET /volumes/{workspaceId}/exists",
                "GET /volumes",
                "POST /jobs/archive",
                "POST /jobs/restore",
                "GET /jobs/{jobId}",
                "GET /health");
    }

    @Test
    void listsEveryProblemTypeAndNoOther() {
        String yaml = new String(AgentApiDocument.bytes(), StandardCharsets.UTF_8);
        List<String> documented = yaml.lines().map(String::trim)
                .filter(line -> line.startsWith("- " + CodehubProblemType.URI_PREFIX))
                .map(line -> line.substring(2)).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ProblemType.values()).map(type -> type.uri().toString()).toList());
    }

    @Test
    void modelRecordsSerializeToDocumentedBodies() {
        WorkspaceId id = WorkspaceId.of("ws-1");
        JobStatus job = new JobStatus("j1", JobKind.ARCHIVE, JobState.PENDING, id,
                ArchiveKey.of("ws-1-20260101T000000Z-0a1b2c3d.tar.gz"), null, null, null, Instant.now(), null);
        document.assertResponse("POST", "/jobs/archive", 202, "application/json", JSON.writeValueAsString(job));
        document.assertResponse("GET", "/jobs/j1", 200, "application/json",
                JSON.writeValueAsString(job.succeeded(10, "a".repeat(64), Instant.now())));
        document.assertResponse("GET", "/instances/ws-1/status", 200, "application/json",
                JSON.writeValueAsString(InstanceStatus.missing(id)));
        document.assertResponse("GET", "/instances/ws-1/status", 200, "application/json",
                JSON.writeValueAsString(new InstanceStatus(id, InstanceState.RUNNING, "busybox", null, Instant.now(),
                        8080, List.of(3000, 5173))));
        document.assertResponse("GET", "/instances/ws-1/upstream", 200, "application/json",
                JSON.writeValueAsString(new Upstream("127.0.0.1", 8080)));
        document.assertResponse("GET", "/instances/ws-1/upstream?port=3000", 200, "application/json",
                JSON.writeValueAsString(new Upstream("127.0.0.1", 49153)));
        document.assertResponse("GET", "/instances/ws-1/upstream?port=3001", 404, "application/problem+json",
                "{\"type\":\"urn:codehub:problem:port-not-exposed\",\"title\":\"Port not exposed\",\"status\":404,"
                        + "\"detail\":\"instance codehub-ws-ws-1 does not expose port 3001 (exposed: 8080, 3000)\"}");
        document.assertResponse("GET", "/volumes", 200, "application/json",
                JSON.writeValueAsString(new ItemList<>(List.of(new VolumeInfo(id, "codehub-ws-ws-1", Instant.now())))));
        document.assertResponse("GET", "/volumes/ws-1/exists", 200, "application/json",
                JSON.writeValueAsString(new VolumeExistence(true)));
        document.assertResponse("GET", "/health", 200, "application/json",
                JSON.writeValueAsString(new Health(HealthStatus.UP, "docker", "0.1.0", "Docker", null)));
        document.assertResponse("DELETE", "/instances/ws-1", 204, null, "");
    }

    @Test
    void rejectsBodiesThatBreakTheDocument() {
        assertThatThrownBy(() -> document.assertResponse("GET", "/instances/ws-1/status", 200, "application/json",
                "{\"workspaceId\":\"ws-1\",\"state\":\"sleeping\"}")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> document.assertResponse("GET", "/instances/ws-1/upstream", 200, "application/json",
                "{\"host\":\"h\"}")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> document.assertResponse("GET", "/instances/ws-1/status", 200, "application/json",
                "{\"workspaceId\":\"ws-1\",\"state\":\"running\",\"port\":8080,\"ports\":[0]}"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> document.assertResponse("GET", "/health", 418, "application/json", "{}"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> document.assertResponse("GET", "/nowhere", 200, "application/json", "{}"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> document.assertResponse("GET", "/volumes/ws-1/exists", 200, "text/plain", "{}"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void instanceSpecDeserializesWithDefaults() {
        InstanceSpec spec = JSON.readValue("{\"image\":\"busybox\"}", InstanceSpec.class);
        assertThat(spec.port()).isEqualTo(8080);
        assertThat(spec.mountPath()).isEqualTo("/home/coder");
        assertThat(spec.imagePullPolicy()).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
        assertThat(spec.command()).isEmpty();
        assertThat(spec.ports()).isEmpty();
        InstanceSpec full = JSON.readValue("{\"image\":\"busybox\",\"port\":9000,\"imagePullPolicy\":\"Never\","
                + "\"command\":[\"sleep\",\"1\"],\"env\":{\"A\":\"b\"},\"memoryMb\":64,\"cpus\":0.5,\"ports\":[3000,5173]}",
                InstanceSpec.class);
        assertThat(full.port()).isEqualTo(9000);
        assertThat(full.ports()).containsExactly(3000, 5173);
        assertThat(JSON.readValue(JSON.writeValueAsString(full), InstanceSpec.class)).isEqualTo(full);
        assertThat(full.imagePullPolicy()).isEqualTo(ImagePullPolicy.NEVER);
        assertThat(full.env()).containsEntry("A", "b");
    }

    @Test
    void instanceStatusWithoutPortsReadsAsNoAdditionalPorts() {
        InstanceStatus old = JSON.readValue("{\"workspaceId\":\"ws-1\",\"state\":\"running\"}", InstanceStatus.class);
        assertThat(old.port()).isNull();
        assertThat(old.ports()).isEmpty();
        InstanceStatus running = new InstanceStatus(WorkspaceId.of("ws-1"), InstanceState.RUNNING, "busybox", null, null,
                8080, List.of(3000));
        assertThat(JSON.readValue(JSON.writeValueAsString(running), InstanceStatus.class)).isEqualTo(running);
    }
}
