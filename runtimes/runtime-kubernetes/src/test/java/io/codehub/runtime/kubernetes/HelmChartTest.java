package io.codehub.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart {@code deploy/helm/codehub-agent}, rendered and linted with helm-java (the Helm
 * Go library through JNA; no helm binary, no cluster, no download), and the plain manifests of
 * {@code deploy/k8s} compared with a fresh render. Regenerate those with
 * {@code mvn -pl runtimes/runtime-kubernetes test -Dtest=HelmChartTest -Dcodehub.regenerateManifests=true}.
 */
class HelmChartTest {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    static final Path CHART = ROOT.resolve("deploy/helm/codehub-agent");
    static final Path MANIFESTS = ROOT.resolve("deploy/k8s/codehub-agent.yaml");
    static final String NAMESPACE = "codehub";
    static final KubernetesSerialization YAML = new KubernetesSerialization();

    static TemplateCommand template() {
        return new Helm(CHART).template().withName("codehub-agent").withNamespace(NAMESPACE);
    }

    static List<HasMetadata> parse(String rendered) {
        Object parsed = YAML.unmarshal(rendered);
        @SuppressWarnings("unchecked")
        List<HasMetadata> objects = parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
        return objects;
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    static Map<String, EnvVar> env(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void lintsCleanly() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as("lint: %s", result.getMessages()).isFalse();
    }

    @Test
    void defaultRenderHasOnlyNamespacedObjectsAndNoService() {
        List<HasMetadata> objects = parse(template().call());
        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ServiceAccount", "Role",
                "RoleBinding", "Secret", "ConfigMap", "PersistentVolumeClaim", "Deployment");
        assertThat(one(objects, PersistentVolumeClaim.class).getMetadata().getName())
                .isEqualTo(KubernetesRuntimeConfig.DEFAULT_ARCHIVE_CLAIM);
        assertThat(one(objects, ServiceAccount.class).getMetadata().getName()).isEqualTo("codehub-agent");
    }

    @Test
    void theRoleGrantsExactlyWhatTheRuntimeUsesAndNoWildcard() {
        List<HasMetadata> objects = parse(template().call());
        Role role = one(objects, Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        Set<KubernetesPermissions.Rule> granted = role.getRules().stream().map(HelmChartTest::rule)
                .collect(Collectors.toSet());
        assertThat(granted).containsExactlyInAnyOrderElementsOf(KubernetesPermissions.RULES);
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*").allSatisfy(r -> assertThat(r).doesNotContain("/"));
            assertThat(rule.getApiGroups()).doesNotContain("*");
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
        }
        RoleBinding binding = one(objects, RoleBinding.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo("codehub-agent");
            assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
        });
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("ClusterRole", "ClusterRoleBinding");
    }

    @Test
    void theAgentRunsLockedDownWithProbesAndAWritableTmp() {
        Deployment deployment = one(parse(template().call()), Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("codehub-agent");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container agent = pod.getContainers().get(0);
        var security = agent.getSecurityContext();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(agent.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(agent.getResources().getLimits()).containsKey("memory");
        assertThat(agent.getVolumeMounts()).anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getVolumes()).anySatisfy(volume -> {
            assertThat(volume.getName()).isEqualTo("tmp");
            assertThat(volume.getEmptyDir()).isNotNull();
        });
        Map<String, EnvVar> env = env(deployment);
        assertThat(env.get("CODEHUB_AGENT_RUNTIME").getValue()).isEqualTo("kubernetes");
        assertThat(env.get("CODEHUB_AGENT_K8S_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
        assertThat(env.get("CODEHUB_AGENT_K8S_ARCHIVE_CLAIM").getValue()).isEqualTo("codehub-archives");
        assertThat(env).doesNotContainKeys("CODEHUB_AGENT_HUB_URL", "CODEHUB_AGENT_API_KEY", "CODEHUB_AGENT_TLS_CA",
                "CODEHUB_AGENT_K8S_STORAGE_CLASS");
    }

    @Test
    void tunnelModeReadsTheApiKeyFromTheChartsSecret() {
        String key = "chk_agent-7_s3cr3tvalue";
        String rendered = template().set("agent.id", "agent-7").set("agent.hubUrl", "tls://hub.example:7443")
                .set("apiKey.value", key).call();
        List<HasMetadata> objects = parse(rendered);
        Secret secret = one(objects, Secret.class);
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get("api-key")), StandardCharsets.UTF_8))
                .isEqualTo(key);
        Deployment deployment = one(objects, Deployment.class);
        EnvVar apiKey = env(deployment).get("CODEHUB_AGENT_API_KEY");
        assertThat(apiKey.getValue()).isNull();
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret.getMetadata().getName());
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("api-key");
        assertThat(env(deployment).get("CODEHUB_AGENT_HUB_URL").getValue()).isEqualTo("tls://hub.example:7443");
        assertThat(rendered.split("kind: Secret")[0]).as("the key appears in no other object").doesNotContain(key);
        assertThat(all(objects, Service.class)).as("tunnel mode has no Service").isEmpty();
    }

    @Test
    void anExistingSecretReplacesTheChartsSecret() {
        List<HasMetadata> objects = parse(template().set("agent.hubUrl", "tcp://hub:7443")
                .set("apiKey.existingSecret", "agent-credentials").set("apiKey.existingSecretKey", "key").call());
        assertThat(all(objects, Secret.class)).isEmpty();
        EnvVar apiKey = env(one(objects, Deployment.class)).get("CODEHUB_AGENT_API_KEY");
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getName()).isEqualTo("agent-credentials");
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("key");
    }

    @Test
    void customValuesReachTheObjects() {
        List<HasMetadata> objects = parse(template().set("direct.enabled", true).set("direct.port", 9443)
                .set("tls.ca", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
                .set("runtime.storageClass", "fast-ssd").set("runtime.volumeSize", "20Gi")
                .set("archive.create", false).set("archive.claimName", "team-archives").call());
        Service service = one(objects, Service.class);
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(9443);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("agent-api");
        });
        assertThat(all(objects, PersistentVolumeClaim.class)).isEmpty();
        Map<String, EnvVar> env = env(one(objects, Deployment.class));
        assertThat(env.get("CODEHUB_AGENT_K8S_STORAGE_CLASS").getValue()).isEqualTo("fast-ssd");
        assertThat(env.get("CODEHUB_AGENT_K8S_VOLUME_SIZE").getValue()).isEqualTo("20Gi");
        assertThat(env.get("CODEHUB_AGENT_K8S_ARCHIVE_CLAIM").getValue()).isEqualTo("team-archives");
        assertThat(env.get("CODEHUB_AGENT_TLS_CA").getValue()).isEqualTo("/etc/codehub/trust/ca.pem");
        assertThat(one(objects, ConfigMap.class).getData()).containsKeys("hub-public.pem", "ca.pem");
    }

    @Test
    void thePlainManifestsAreAFreshRenderOfTheDefaults() throws Exception {
        String rendered = template().call();
        if (Boolean.getBoolean("codehub.regenerateManifests")) {
            Files.createDirectories(MANIFESTS.getParent());
            Files.writeString(MANIFESTS, rendered);
        }
        assertThat(MANIFESTS).as("deploy/k8s/codehub-agent.yaml; regenerate with -Dcodehub.regenerateManifests=true")
                .hasContent(rendered);
    }

    private static KubernetesPermissions.Rule rule(PolicyRule rule) {
        assertThat(rule.getApiGroups()).hasSize(1);
        assertThat(rule.getResources()).hasSize(1);
        return new KubernetesPermissions.Rule(rule.getApiGroups().get(0), rule.getResources().get(0),
                Set.copyOf(rule.getVerbs()));
    }
}
