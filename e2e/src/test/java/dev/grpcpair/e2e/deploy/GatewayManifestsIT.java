package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.gateway.GatewayConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's Deployment and Service as kustomize renders them, checked against the gateway they
 * deploy: its flags, its HTTP probes ({@code /livez} for liveness, {@code /healthz} for readiness),
 * its port, a locked-down pod, and the secure overlay's certificates.
 */
class GatewayManifestsIT {

  private static Map<String, String> env(Container container) {
    return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/secure"})
  void everyFlagAndVariable_isOneTheGatewayTakes(String folder) {
    Container gateway = Manifests.render(folder).container("gateway");

    GatewayConfig.parse(gateway.getArgs().toArray(String[]::new));
    for (String variable : env(gateway).keySet()) {
      String flag = "--" + variable.toLowerCase().replace('_', '-');
      assertThat(Flags.commandLine(new GatewayConfig(), Map.of()).getCommandSpec().findOption(flag))
          .as("the gateway takes " + variable + " (" + flag + ")")
          .isNotNull();
    }
  }

  @Test
  void base_httpProbes_servicePort_lockedDownPod() {
    Manifests manifests = Manifests.render("base");
    Container gateway = manifests.container("gateway");
    Deployment deployment = manifests.get(Deployment.class, "gateway");
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();

    assertThat(gateway.getPorts())
        .anySatisfy(
            port -> {
              assertThat(port.getName()).isEqualTo("http");
              assertThat(port.getContainerPort()).isEqualTo(8080);
            });
    for (Probe probe : Manifests.probes(gateway)) {
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }
    assertThat(gateway.getStartupProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(gateway.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(gateway.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(gateway.getArgs())
        .contains(
            "--user-target=dns:///user:9000", "--post-target=post:9001", "--metrics-port=9090");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/port", "9090");
    Service service = manifests.get(Service.class, "gateway");
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(8080);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(gateway.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(gateway.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    // The gateway's measured peak, 146 MiB (docs/gateway.md), fits under the limit.
    assertThat(
            Quantity.getAmountInBytes(gateway.getResources().getLimits().get("memory")).longValue())
        .isGreaterThan(146L << 20);
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(10L);
  }

  @Test
  void secure_mountsTheCertificatesSecret_forTheUserAndPostChannels() {
    Manifests manifests = Manifests.render("overlays/secure");
    Container gateway = manifests.container("gateway");
    Map<String, String> env = env(gateway);
    String mounted =
        gateway.getVolumeMounts().stream()
            .filter(mount -> mount.getName().equals("certs"))
            .findFirst()
            .orElseThrow()
            .getMountPath();

    // The TLS files; the other variables (the OTLP ones) are the base's.
    for (String name : List.of("USER_CA", "USER_CERT", "USER_KEY", "POST_CA")) {
      String value = env.get(name);
      assertThat(value).as(name).startsWith(mounted + "/");
      assertThat(ManifestsIT.MADE_BY_CERTS).contains(value.substring(mounted.length() + 1));
    }
    assertThat(
            manifests
                .get(Deployment.class, "gateway")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes())
        .anySatisfy(
            volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("grpc-pair-certs"));
  }
}
