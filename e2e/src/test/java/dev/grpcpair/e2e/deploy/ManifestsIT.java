package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.e2e.docs.DocTranscript;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.user.UserServerConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * deploy/k8s as kustomize renders it, checked against the servers it deploys: every flag and
 * environment variable is one the server takes, probes ask the ports and health services the
 * servers serve, and the properties docs/deploy.md promises hold.
 */
class ManifestsIT {

  private static final String PAGE = "docs/deploy.md";
  private static final String K8S = "deploy/k8s/";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final Map<String, Integer> SERVING_PORTS =
      Map.of("user-server", 9000, "post-server", 9001);
  private static final Map<String, String> READINESS =
      Map.of("user-server", UserGrpc.SERVICE_NAME, "post-server", PostGrpc.SERVICE_NAME);

  /** Parses {@code args} as the server's main does: a misspelt or bad flag throws. */
  private static void parseFlags(String server, List<String> args) {
    String[] flags = args.toArray(String[]::new);
    if (server.equals("user-server")) {
      UserServerConfig.parse(flags);
    } else {
      PostServerConfig.parse(flags);
    }
  }

  private static CommandLine.Model.CommandSpec flagsOf(String server) {
    Flags.Checked config =
        server.equals("user-server") ? new UserServerConfig() : new PostServerConfig();
    return Flags.commandLine(config, Map.of()).getCommandSpec();
  }

  private static int port(Container container, String name) {
    return container.getPorts().stream()
        .filter(port -> name.equals(port.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no port named " + name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/secure"})
  void everyFlagAndVariable_isOneTheServerTakes(String folder) {
    Manifests manifests = Manifests.render(folder);
    for (String server : SERVING_PORTS.keySet()) {
      Container container = manifests.container(server);
      parseFlags(server, container.getArgs());
      for (EnvVar variable : container.getEnv()) {
        String flag = "--" + variable.getName().toLowerCase().replace('_', '-');
        assertThat(flagsOf(server).findOption(flag))
            .as(server + " takes " + variable.getName() + " (" + flag + ")")
            .isNotNull();
      }
    }
  }

  @Test
  void base_probesAskTheServingPortForTheHealthServices_andMetricsAreAnnotated() {
    Manifests manifests = Manifests.render("base");
    for (String server : SERVING_PORTS.keySet()) {
      Container container = manifests.container(server);
      int grpc = port(container, "grpc");
      assertThat(grpc).isEqualTo(SERVING_PORTS.get(server));
      assertThat(container.getStartupProbe().getGrpc().getPort()).isEqualTo(grpc);
      assertThat(container.getLivenessProbe().getGrpc().getPort()).isEqualTo(grpc);
      assertThat(container.getLivenessProbe().getGrpc().getService())
          .isEqualTo(HealthGrpc.SERVICE_NAME);
      assertThat(container.getReadinessProbe().getGrpc().getPort()).isEqualTo(grpc);
      assertThat(container.getReadinessProbe().getGrpc().getService())
          .isEqualTo(READINESS.get(server));

      int metrics = port(container, "metrics");
      assertThat(container.getArgs()).contains("--metrics-port=" + metrics);
      assertThat(manifests.get(Deployment.class, server).getSpec().getTemplate().getMetadata())
          .satisfies(
              pod ->
                  assertThat(pod.getAnnotations())
                      .containsEntry("prometheus.io/scrape", "true")
                      .containsEntry("prometheus.io/port", String.valueOf(metrics)));
    }
  }

  @Test
  void base_usersBehindAHeadlessService_thatThePostServerResolvesAndBalances() {
    Manifests manifests = Manifests.render("base");
    Deployment users = manifests.get(Deployment.class, "user-server");
    Service user = manifests.get(Service.class, "user");

    assertThat(users.getSpec().getReplicas()).isEqualTo(3);
    assertThat(user.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(user.getSpec().getSelector())
        .isEqualTo(users.getSpec().getTemplate().getMetadata().getLabels());
    assertThat(user.getSpec().getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getPort()).isEqualTo(9000);
              assertThat(port.getTargetPort().getStrVal()).isEqualTo("grpc");
            });
    assertThat(manifests.container("post-server").getArgs())
        .contains("--user-target=dns:///user:9000");
    assertThat(manifests.container("user-server").getArgs())
        .anyMatch(arg -> arg.startsWith("--max-connection-age="));
    Service post = manifests.get(Service.class, "post");
    assertThat(post.getSpec().getClusterIP()).isNull();
    assertThat(post.getSpec().getPorts().get(0).getPort()).isEqualTo(9001);
  }

  @Test
  void base_podsAreLockedDown_limited_spread_andOutliveTheirDrain() {
    Manifests manifests = Manifests.render("base");
    for (String server : SERVING_PORTS.keySet()) {
      Deployment deployment = manifests.get(Deployment.class, server);
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      Container container = manifests.container(server);
      SecurityContext security = container.getSecurityContext();

      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      assertThat(security.getReadOnlyRootFilesystem()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).isFalse();
      assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(container.getVolumeMounts())
          .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));

      Map<String, Quantity> limits = container.getResources().getLimits();
      Map<String, Quantity> requests = container.getResources().getRequests();
      assertThat(requests).containsKeys("cpu", "memory");
      // The peak measured under saturation (docs/performance.md) fits under the limit.
      assertThat(Quantity.getAmountInBytes(limits.get("memory")).longValue())
          .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")).longValue())
          .isGreaterThan(135L << 20);

      assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
          .isEqualTo(new IntOrString(0));
      // The default --shutdown-grace is 10 s; the pod is given longer to drain.
      assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(10L);
      assertThat(pod.getTopologySpreadConstraints()).isNotEmpty();
      assertThat(
              manifests.all(PodDisruptionBudget.class).stream()
                  .filter(
                      budget ->
                          budget
                              .getSpec()
                              .getSelector()
                              .getMatchLabels()
                              .equals(deployment.getSpec().getSelector().getMatchLabels())))
          .singleElement()
          .satisfies(budget -> assertThat(budget.getSpec().getMinAvailable()).isNotNull());
    }
  }

  @Test
  void secure_mountsTheCertificatesSecret_andProbesTheHealthPort() {
    Manifests manifests = Manifests.render("overlays/secure");
    for (String server : SERVING_PORTS.keySet()) {
      Deployment deployment = manifests.get(Deployment.class, server);
      Container container = manifests.container(server);
      Map<String, String> env =
          container.getEnv().stream()
              .collect(java.util.stream.Collectors.toMap(EnvVar::getName, EnvVar::getValue));
      int health = Integer.parseInt(env.get("HEALTH_PORT"));

      assertThat(env).containsKeys("TLS_CERT", "TLS_KEY", "AUTH_TOKENS_FILE");
      assertThat(port(container, "health")).isEqualTo(health);
      for (Probe probe : Manifests.probes(container)) {
        assertThat(probe.getGrpc().getPort()).isEqualTo(health);
      }
      assertThat(container.getReadinessProbe().getGrpc().getService())
          .isEqualTo(READINESS.get(server));
      assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
          .anySatisfy(
              volume ->
                  assertThat(volume.getSecret().getSecretName()).isEqualTo("grpc-pair-certs"));
      String mounted =
          container.getVolumeMounts().stream()
              .filter(mount -> mount.getName().equals("certs"))
              .findFirst()
              .orElseThrow()
              .getMountPath();
      // Every file is one that ./run-pair.sh certs makes, under the Secret's mount.
      env.forEach(
          (name, value) -> {
            if (name.endsWith("_CERT")
                || name.endsWith("_KEY")
                || name.endsWith("_CA")
                || name.endsWith("_FILE")) {
              assertThat(value).startsWith(mounted + "/");
              assertThat(MADE_BY_CERTS).contains(value.substring(mounted.length() + 1));
            }
          });
    }
  }

  /**
   * docs/deploy.md's kubectl commands, checked against what they act on, there being no cluster
   * here: each folder they apply renders, each Deployment and Service they name is there (with the
   * port forwarded), and the Secret they create from the files of the page's {@code ./run-pair.sh
   * certs} (both run in a folder of the test's, the Secret with {@code --dry-run=client}) has the
   * name the secure overlay mounts and every file it reads.
   */
  @Test
  void deployPage_kubectlCommands_actOnWhatTheManifestsHold(@TempDir Path dir) throws Exception {
    Manifests base = Manifests.render("base");
    Manifests secure = Manifests.render("overlays/secure");
    String certs =
        DocReplay.command(PAGE, "./run-pair.sh certs")
            .command()
            .replace("./run-pair.sh", Tools.ROOT.resolve("run-pair.sh").toString());
    assertThat(certs).as("the page's folder, made in the test's").endsWith(" certs");
    certs = certs.substring(0, certs.length() - "certs".length()) + dir.resolve("certs");
    Tools.Result made =
        Tools.run(dir, Duration.ofMinutes(1), Map.of(), List.of("bash", "-c", certs));
    assertThat(made.exitCode()).as("%s%n%s", certs, made.output()).isZero();

    List<DocTranscript> kubectl =
        DocReplay.page(PAGE).stream()
            .filter(transcript -> transcript.command().startsWith("kubectl "))
            .toList();
    assertThat(kubectl).isNotEmpty();
    for (DocTranscript transcript : kubectl) {
      String command = transcript.command().replaceAll("\\s+#.*", "");
      List<String> words = List.of(command.split("\\s+"));
      switch (words.get(1)) {
        case "apply" -> {
          assertThat(words.get(2)).as(command).isEqualTo("-k");
          assertThat(words.get(3)).as(command).startsWith(K8S);
          Manifests.render(words.get(3).substring(K8S.length()));
        }
        case "rollout" ->
            words
                .subList(3, words.size())
                .forEach(
                    deployment -> base.get(Deployment.class, named("deployment/", deployment)));
        case "port-forward" -> {
          Service service = base.get(Service.class, named("service/", words.get(2)));
          int port = Integer.parseInt(words.get(3).substring(words.get(3).indexOf(':') + 1));
          assertThat(service.getSpec().getPorts()).as(command).anyMatch(p -> p.getPort() == port);
        }
        case "create" -> {
          Tools.Result secret =
              Tools.run(
                  dir,
                  Duration.ofMinutes(1),
                  Map.of(),
                  List.of("bash", "-c", command + " --dry-run=client -o json"));
          assertThat(secret.exitCode()).as("%s%n%s", command, secret.output()).isZero();
          JsonNode created = JSON.readTree(secret.output());
          assertThat(created.path("data").propertyNames()).containsAll(MADE_BY_CERTS);
          assertThat(secretsMounted(secure))
              .containsOnly(created.path("metadata").path("name").asString());
        }
        default -> fail("%s: a kubectl command this test does not check", transcript);
      }
    }
  }

  /** {@code word} ({@code deployment/user-server}) without its {@code kind}. */
  private static String named(String kind, String word) {
    assertThat(word).startsWith(kind);
    return word.substring(kind.length());
  }

  /** The names of the Secrets that {@code manifests}' pods mount. */
  private static List<String> secretsMounted(Manifests manifests) {
    return manifests.all(Deployment.class).stream()
        .flatMap(deployment -> deployment.getSpec().getTemplate().getSpec().getVolumes().stream())
        .filter(volume -> volume.getSecret() != null)
        .map(volume -> volume.getSecret().getSecretName())
        .distinct()
        .toList();
  }

  /** What {@code ./run-pair.sh certs} makes: the files the Secret holds. */
  static final List<String> MADE_BY_CERTS =
      List.of(
          "ca.pem",
          "user-server.pem",
          "user-server.key",
          "post-server.pem",
          "post-server.key",
          "post-client.pem",
          "post-client.key",
          "user-server.tokens",
          "post-server.tokens",
          "post-to-user.token");
}
