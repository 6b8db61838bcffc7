package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The kustomize base, run by {@code podman kube play}: three User pods, two Post pods and two
 * gateway pods start, and every probe of theirs passes, asked as the kubelet would ask it.
 *
 * <p>What podman 4.3 does not do, the test does: it publishes every containerPort on the host
 * (three replicas would collide), so ports are left out; it ignores Services, so the Post server
 * and the gateway are given the pods' addresses instead of the Services' names; it ignores gRPC
 * probes, so the test asks each probe's port and service itself.
 */
@ResourceLock(Images.NETWORK_DNS)
class KubePlayIT {

  private static final String NETWORK = "grpc-pair-kube-" + Images.RUN;

  @RegisterExtension final Closer closer = new Closer();
  @TempDir Path dir;

  @Test
  void basePods_start_andPassEveryProbe() throws IOException {
    Images.build();
    Manifests manifests = Manifests.render("base");
    Tools.run(Duration.ofMinutes(1), Map.of(), List.of("podman", "network", "create", NETWORK));
    closer.add(
        () ->
            Tools.run(
                Duration.ofMinutes(1),
                Map.of(),
                List.of("podman", "network", "rm", "-f", NETWORK)));

    Path users = dir.resolve("users.yaml");
    Files.writeString(users, manifests.playable("user-server", Map.of()));
    play(users);
    List<String> userAddresses =
        IntStream.range(0, 3).mapToObj(pod -> address("user-server", pod)).toList();
    String target =
        "static:///"
            + userAddresses.stream().map(ip -> ip + ":9000").collect(Collectors.joining(","));
    Path posts = dir.resolve("posts.yaml");
    Files.writeString(
        posts,
        manifests.playable(
            "post-server", Map.of("--user-target=dns:///user:9000", "--user-target=" + target)));
    play(posts);

    Path gateways = dir.resolve("gateways.yaml");
    Files.writeString(
        gateways,
        manifests.playable(
            "gateway",
            Map.of(
                "--user-target=dns:///user:9000",
                "--user-target=" + target,
                "--post-target=post:9001",
                "--post-target=" + address("post-server", 0) + ":9001")));
    play(gateways);

    for (int pod = 0; pod < 3; pod++) {
      assertProbesPass(manifests.container("user-server"), address("user-server", pod));
    }
    for (int pod = 0; pod < 2; pod++) {
      assertProbesPass(manifests.container("post-server"), address("post-server", pod));
      assertThat(
              Tools.ok(
                  "podman",
                  "inspect",
                  container("post-server", pod),
                  "--format={{.HostConfig.ReadonlyRootfs}} {{.Config.User}}"))
          .isEqualTo("true 10001:10001");
    }
    for (int pod = 0; pod < 2; pod++) {
      assertProbesPass(manifests.container("gateway"), address("gateway", pod));
    }
  }

  /** Plays {@code file}, after taking down what an interrupted earlier run may have left. */
  private void play(Path file) {
    List<String> down = List.of("podman", "kube", "down", file.toString());
    Tools.run(Duration.ofMinutes(2), Map.of(), down);
    closer.add(() -> Tools.run(Duration.ofMinutes(2), Map.of(), down));
    Tools.ok("podman", "kube", "play", "--network=" + NETWORK, file.toString());
  }

  /** The container podman names after the pod (the Deployment as played) and the container. */
  private static String container(String deployment, int pod) {
    return deployment + "-" + Images.RUN + "-pod-" + pod + "-" + deployment;
  }

  private static String address(String deployment, int pod) {
    return Tools.ok(
        "podman",
        "inspect",
        container(deployment, pod),
        "--format={{(index .NetworkSettings.Networks \"" + NETWORK + "\").IPAddress}}");
  }

  /**
   * Each probe asked as the kubelet asks it, at the pod's address, until it passes or a minute goes
   * by: a gRPC probe's health service answers SERVING, an HTTP probe's path 200.
   */
  private void assertProbesPass(Container container, String address) {
    for (Probe probe : Manifests.probes(container)) {
      String what = container.getName() + " at " + address + ", probe " + probe;
      Callable<Boolean> passes =
          probe.getGrpc() != null
              ? grpcProbe(probe, address)
              : httpProbe(container, probe, address);
      await(what).atMost(Duration.ofMinutes(1)).ignoreExceptions().until(passes);
    }
  }

  private Callable<Boolean> grpcProbe(Probe probe, String address) {
    ManagedChannel channel =
        closer.add(
            Grpc.newChannelBuilderForAddress(
                    address, probe.getGrpc().getPort(), InsecureChannelCredentials.create())
                .build());
    String service = probe.getGrpc().getService() == null ? "" : probe.getGrpc().getService();
    return () ->
        HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus()
            == ServingStatus.SERVING;
  }

  /** The probe's named port is the container's port of that name. */
  private static Callable<Boolean> httpProbe(Container container, Probe probe, String address) {
    String portName = probe.getHttpGet().getPort().getStrVal();
    int port =
        container.getPorts().stream()
            .filter(named -> named.getName().equals(portName))
            .findFirst()
            .orElseThrow()
            .getContainerPort();
    URI uri = URI.create("http://" + address + ":" + port + probe.getHttpGet().getPath());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build();
    return () -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
  }
}
